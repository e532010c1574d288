import torch


def mlp_backward(x, targets, w1, b1, w2, b2):
    """Return {"loss", "w1", "b1", "w2", "b2"}: the loss and its gradients; the statement: `bertstudy exercise start mlp_backward`."""
    # TODO: forward: h = tanh(x @ w1.T + b1), logits = h @ w2.T + b2
    # TODO: a stable log softmax and the mean cross-entropy over the batch
    # TODO: d loss / d logits, a (B, C) tensor (remember the mean)
    # TODO: back through the second layer, the tanh and the first layer: gradients of w2, b2, w1, b1
    raise NotImplementedError("write mlp_backward")
