import torch


def mlp_backward(x, targets, w1, b1, w2, b2):
    """The mean cross-entropy of a tanh MLP and its gradients, by hand (no autograd)."""
    B = x.shape[0]
    rows = torch.arange(B)

    # forward
    h = torch.tanh(x @ w1.T + b1)  # (B, H)
    logits = h @ w2.T + b2  # (B, C)
    log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)  # (B, C), stable
    loss = -log_probs[rows, targets].mean()

    # backward
    d_logits = log_probs.exp()  # softmax, (B, C)
    d_logits[rows, targets] -= 1.0  # minus the one-hot targets
    d_logits = d_logits / B  # the mean over the batch
    d_h = d_logits @ w2  # (B, H)
    d_z1 = d_h * (1 - h ** 2)  # tanh'(z1) = 1 - tanh(z1)^2 = 1 - h^2
    return {
        "loss": loss,
        "w1": d_z1.T @ x,  # (H, D)
        "b1": d_z1.sum(dim=0),  # (H,)
        "w2": d_logits.T @ h,  # (C, H)
        "b2": d_logits.sum(dim=0),  # (C,)
    }
