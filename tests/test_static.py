"""The AST scan: forbidden names however they are reached in the source, and nothing else."""

from __future__ import annotations

from bertstudy.exercises.static import scan

FORBIDDEN = ["torch.nn.functional.softmax", "torch.softmax"]


def test_clean_code_passes():
    assert scan("import torch\ndef softmax(x, dim=-1):\n    e = (x - x.amax(dim, keepdim=True)).exp()\n    return e / e.sum(dim, keepdim=True)\n", FORBIDDEN) == []
    assert scan("__all__ = ['softmax']\n", FORBIDDEN) == []


def test_each_route_to_a_forbidden_name_is_flagged():
    for source in ("import torch\ny = torch.softmax(x, -1)", "from torch.nn.functional import softmax as s",
                   "y = x.softmax(-1)", "import torch._C", "f = torch._C._nn", "eval('1')", "import importlib",
                   "from bertstudy.reference import attention"):
        assert scan(source, FORBIDDEN), source


def test_a_learners_own_helper_may_share_a_forbidden_name():
    source = "def softmax(x):\n    return x.exp() / x.exp().sum()\n\ndef attention(s):\n    return softmax(s)\n"
    assert scan(source, FORBIDDEN) == []
    assert scan("from torch import *\ny = softmax(x)\n", FORBIDDEN) == []  # the child's runtime guard catches this one


def test_problems_name_their_line_in_order():
    problems = scan("import torch\n\nimport bertstudy\ny = torch.softmax(x, 1)\n", FORBIDDEN)
    assert problems[0].startswith("line 3:") and "bertstudy" in problems[0]
    assert problems[1].startswith("line 4:") and "torch.softmax" in problems[1]


def test_syntax_error_is_reported():
    assert scan("def f(:\n", FORBIDDEN)[0].startswith("line 1: syntax error")
