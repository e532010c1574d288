import torch


def pooler_and_classifier(hidden_states, pooler_weight, pooler_bias, classifier_weight, classifier_bias):
    cls = hidden_states[:, 0]
    pooled = torch.tanh(cls @ pooler_weight + pooler_bias)
    return pooled @ classifier_weight.T + classifier_bias
