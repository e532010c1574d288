import torch


def pooler_and_classifier(hidden_states, pooler_weight, pooler_bias, classifier_weight, classifier_bias):
    """Return the class logits (B, K) of BERT's classification head; the statement: `bertstudy exercise start pooler_and_classifier`."""
    # TODO: take the final hidden state of [CLS] for every sequence: (B, L, D) -> (B, D)
    # TODO: the pooler: a dense layer (weights are (out, in)), then tanh
    # TODO: the classifier: one linear layer on the pooled vector -> (B, K) logits (no softmax)
    raise NotImplementedError("write pooler_and_classifier")
