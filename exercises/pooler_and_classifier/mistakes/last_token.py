import torch


def pooler_and_classifier(hidden_states, pooler_weight, pooler_bias, classifier_weight, classifier_bias):
    summary = hidden_states[:, -1]
    pooled = torch.tanh(summary @ pooler_weight.T + pooler_bias)
    return pooled @ classifier_weight.T + classifier_bias
