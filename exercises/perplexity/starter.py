import torch


def perplexity(logits, targets, ignore_index=-100):
    """exp of the mean NLL per kept token; the statement: `bertstudy exercise start perplexity`."""
    # TODO: log-probabilities over the vocabulary, computed stably
    # TODO: each position's log-probability of its target; padding (ignore_index) does not count
    # TODO: exp of minus the mean over all kept tokens of the batch, as a 0-dim tensor
    raise NotImplementedError("write perplexity")
