import torch


def magnitude_prune(w, sparsity):
    """Zero the smallest-|w| fraction `sparsity` of w; returns (pruned, mask). The statement: `bertstudy exercise start magnitude_prune`."""
    # TODO: k = round(sparsity * number of entries): how many weights to zero
    # TODO: rank the entries by |w|, smallest first; equal |w| go by flat position (lower index first)
    # TODO: mask (bool, w's shape) is False at the k smallest and True elsewhere
    # TODO: pruned = w where the mask is True, 0 elsewhere
    raise NotImplementedError("write magnitude_prune")
