import torch


def pooler_and_classifier(hidden_states, pooler_weight, pooler_bias, classifier_weight, classifier_bias):
    """BERT's sequence-classification head without dropout: (B, L, D) -> (B, K) logits."""
    cls = hidden_states[:, 0]  # (B, D): the [CLS] token
    pooled = torch.tanh(cls @ pooler_weight.T + pooler_bias)  # (B, D)
    return pooled @ classifier_weight.T + classifier_bias  # (B, K)
