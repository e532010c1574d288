import torch


def mlp_backward(x, targets, w1, b1, w2, b2):
    B = x.shape[0]
    h = torch.tanh(x @ w1.T + b1)
    logits = h @ w2.T + b2
    log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    loss = -log_probs[torch.arange(B), targets].mean()
    d_logits = log_probs.exp()
    d_logits[torch.arange(B), targets] -= 1
    d_z1 = (d_logits @ w2) * (1 - h ** 2)
    return {"loss": loss, "w1": d_z1.T @ x, "b1": d_z1.sum(0), "w2": d_logits.T @ h, "b2": d_logits.sum(0)}
