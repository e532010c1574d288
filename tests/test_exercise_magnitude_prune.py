"""magnitude_prune: correct solutions in other styles pass, realistic wrong ones fail with the reason,
and the reference's mask equals torch.nn.utils.prune.l1_unstructured's."""

from __future__ import annotations

import pytest
import torch
from torch.nn.utils import prune

from grading import failures, verdict_of
from bertstudy.reference.compression import magnitude_prune

pytestmark = pytest.mark.slow

CORRECT = {
    "ranks by an inverse permutation of a stable sort": """
        import torch

        def magnitude_prune(w, sparsity):
            n = w.numel()
            k = round(sparsity * n)
            _, order = torch.sort(w.abs().reshape(-1), stable=True)
            rank = torch.empty(n, dtype=torch.long)
            rank[order] = torch.arange(n)
            mask = (rank >= k).reshape(w.shape)
            return w * mask, mask
    """,
    "pure Python: sorted by (|w|, index)": """
        import torch

        def magnitude_prune(w, sparsity):
            flat = w.flatten().tolist()
            k = round(sparsity * len(flat))
            doomed = set(sorted(range(len(flat)), key=lambda i: (abs(flat[i]), i))[:k])
            mask = torch.tensor([i not in doomed for i in range(len(flat))], dtype=torch.bool).view(w.shape)
            pruned = w.clone()
            pruned[~mask] = 0
            return pruned, mask
    """,
    "scatter over the k first of a stable argsort, masked_fill": """
        import torch

        def magnitude_prune(w, sparsity):
            k = int(round(w.numel() * sparsity))
            idx = w.detach().abs().view(-1).argsort(stable=True)[:k]
            mask = torch.ones(w.numel(), dtype=torch.bool).scatter(0, idx, False).view_as(w)
            return w.masked_fill(~mask, 0.0), mask
    """,
}

START = """
    import torch

    def magnitude_prune(w, sparsity):
        k = round(sparsity * w.numel())
        order = torch.argsort(w.abs().flatten(), stable=True)
        mask = torch.ones(w.numel(), dtype=torch.bool)
        mask[order[:k]] = False
        mask = mask.reshape(w.shape)
"""

WRONG = {
    "rounds the count up": (START.replace("round(sparsity * w.numel())", "math.ceil(sparsity * w.numel())").replace("import torch", "import math\n    import torch") + """
        return w * mask, mask
    """, "case: 28% of 25 weights (0.28 · 25 is a hair above 7): with w (5, 5), sparsity=0.28: output[0] differs"),
    "derives the mask from pruned != 0": (START + """
        pruned = w * mask
        return pruned, pruned != 0
    """, "case: sparsity 0 keeps every weight, even one that is 0"),
    "a quantile threshold": ("""
        import torch

        def magnitude_prune(w, sparsity):
            threshold = torch.quantile(w.abs().flatten().double(), sparsity)
            mask = w.abs() > threshold
            return w * mask, mask
    """, "differs"),
    "the mask marks the pruned weights": (START + """
        return w * mask, ~mask
    """, "output[1] differs"),
    "a float mask": (START + """
        return w * mask, mask.float()
    """, "output[1] has dtype float32, expected bool"),
    "zeroes w in place": (START + """
        w[~mask] = 0
        return w, mask
    """, "changed its inputs in place"),
    "returns only the pruned weights": (START + """
        return w * mask
    """, "output should be a tuple of 2"),
    "builds the result in float32": (START + """
        pruned = torch.zeros(w.shape)
        pruned[mask] = w[mask]
        return pruned, mask
    """, "case: 30% of a 3-D float64 tensor: with w (2, 3, 5) float64, sparsity=0.3: RuntimeError"),
    "borrows prune.l1_unstructured": ("""
        import torch
        from torch.nn.utils import prune

        def magnitude_prune(w, sparsity):
            holder = torch.nn.Module()
            holder.weight = torch.nn.Parameter(w.clone())
            prune.l1_unstructured(holder, "weight", amount=sparsity)
            return holder.weight.detach(), holder.weight_mask.bool()
    """, "torch.nn.utils.prune is not allowed"),
}


@pytest.mark.parametrize("sparsity", [0.0, 0.25, 0.6, 0.95, 1.0])
def test_reference_mask_equals_l1_unstructured(sparsity):
    linear = torch.nn.Linear(9, 7)
    w = linear.weight.detach().clone()
    pruned, mask = magnitude_prune(w, sparsity)
    prune.l1_unstructured(linear, "weight", amount=sparsity)
    assert torch.equal(mask, linear.weight_mask.bool())
    assert torch.equal(pruned, linear.weight.detach())


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("magnitude_prune", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("magnitude_prune", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
