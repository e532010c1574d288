import torch


def softmax(x, dim=-1):
    """Probabilities along `dim`, stable for large scores; the statement: `bertstudy exercise start softmax`."""
    # TODO: shift the scores so that the largest one along `dim` is 0 (keepdim=True)
    # TODO: exponentiate, then divide by the sum along `dim`
    raise NotImplementedError("write softmax")
