"""The grader's verdicts, both ways: correct solutions in any style pass, wrong ones fail with a
diagnosis, and hostile submissions get a clear verdict without fooling the parent."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

from bertstudy.content import pack as packs
from bertstudy.content.schema import Limits
from bertstudy.exercises.grader import grade
from bertstudy.paths import PACKAGE_DIR, builtin_pack

pytestmark = pytest.mark.slow
PACK, _ = packs.collect(builtin_pack())  # test_content.py reports any problem in the pack
SDPA = PACK.exercises["scaled_dot_product_attention"]
HEADER = "import math\nimport torch\nimport torch.nn.functional as F\n\n"


def verdict_of(tmp_path, pool, body, exercise=SDPA):
    path = tmp_path / "submission.py"
    path.write_text(HEADER + textwrap.dedent(body))
    return grade(exercise, path, pool)


CORRECT = {
    "einsum and manual softmax": """
        def scaled_dot_product_attention(q, k, v, mask=None):
            scores = torch.einsum("...qd,...kd->...qk", q, k) * q.shape[-1] ** -0.5
            if mask is not None:
                scores = torch.where(mask, scores, torch.full_like(scores, -1e9))
            scores = scores - scores.amax(-1, keepdim=True)
            e = scores.exp()
            w = e / e.sum(-1, keepdim=True)
            return torch.einsum("...qk,...kd->...qd", w, v), w
    """,
    "matmul, -inf fill, F.softmax": """
        def scaled_dot_product_attention(q, k, v, mask=None):
            d = k.size(-1)
            s = torch.matmul(q / math.sqrt(d), k.transpose(-1, -2))
            if mask is not None:
                s = s.masked_fill(mask.logical_not(), float("-inf"))
            w = F.softmax(s, dim=-1)
            return torch.matmul(w, v), w
    """,
    "additive float mask and bmm on flattened batch": """
        def scaled_dot_product_attention(q, k, v, mask=None):
            *lead, lq, d = q.shape
            lk, dv = k.shape[-2], v.shape[-1]
            s = q @ k.mT / d ** 0.5
            if mask is not None:
                s = s + (~mask).to(s.dtype) * torch.finfo(s.dtype).min
            w = s.softmax(-1)
            out = torch.bmm(w.reshape(-1, lq, lk), v.expand(*w.shape[:-2], lk, dv).reshape(-1, lk, dv))
            return out.reshape(*w.shape[:-2], lq, dv), w
    """,
}

WRONG = {
    "returns only the output": ("""
        def scaled_dot_product_attention(q, k, v, mask=None):
            w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.size(-1)), -1)
            return w @ v
    """, "output should be a tuple of 2"),
    "weights and output swapped": ("""
        def scaled_dot_product_attention(q, k, v, mask=None):
            w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.size(-1)), -1)
            return w, w @ v
    """, "output[0] has shape"),
    "ignores the mask": ("""
        def scaled_dot_product_attention(q, k, v, mask=None):
            w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.size(-1)), -1)
            return w @ v, w
    """, "differs"),
    "casts to float32": ("""
        def scaled_dot_product_attention(q, k, v, mask=None):
            q, k, v = q.float(), k.float(), v.float()
            s = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
            if mask is not None:
                s = s.masked_fill(~mask, -1e9)
            w = torch.softmax(s, -1)
            return w @ v, w
    """, "dtype float32, expected float64"),
    "detaches (no gradients)": ("""
        def scaled_dot_product_attention(q, k, v, mask=None):
            s = (q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))).detach()
            if mask is not None:
                s = s.masked_fill(~mask, -1e9)
            w = torch.softmax(s, -1)
            return w @ v, w
    """, "gradients"),
    "modifies q in place": ("""
        def scaled_dot_product_attention(q, k, v, mask=None):
            with torch.no_grad():
                q /= math.sqrt(q.size(-1))
            s = q @ k.transpose(-2, -1)
            if mask is not None:
                s = s.masked_fill(~mask, -1e9)
            w = torch.softmax(s, -1)
            return w @ v, w
    """, "in place"),
    "uses the built-in": ("""
        def scaled_dot_product_attention(q, k, v, mask=None):
            return F.scaled_dot_product_attention(q, k, v, attn_mask=mask), None
    """, "not allowed"),
}


def test_reference_solution_passes_cold_and_warm(warm_pool):
    for verdict in (grade(SDPA, SDPA.folder / "solution.py"), grade(SDPA, SDPA.folder / "solution.py", warm_pool)):
        assert verdict.passed, verdict.as_dict()
        assert verdict.as_dict()["score"] == verdict.as_dict()["max_score"] == len(verdict.tests)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of(tmp_path, warm_pool, CORRECT[name])
    assert verdict.passed, verdict.as_dict()


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    body, expected = WRONG[name]
    verdict = verdict_of(tmp_path, warm_pool, body)
    assert not verdict.passed
    messages = " ".join(f"{t.name}: {t.message}" for t in verdict.tests if t.status != "passed")
    assert expected in messages, messages


def test_starter_fails_with_its_own_message(warm_pool):
    verdict = grade(SDPA, SDPA.folder / "starter.py", warm_pool)
    assert not verdict.passed
    assert "NotImplementedError" in verdict.tests[2].message


FAST = dataclasses.replace(SDPA, limits=Limits(seconds=2.0, memory_mb=1024, output_kb=64))
SOLUTION_BODY = CORRECT["matmul, -inf fill, F.softmax"]

HOSTILE = {
    "endless loop": ("""
        def scaled_dot_product_attention(q, k, v, mask=None):
            while True:
                pass
    """, "timed out"),
    "memory hog": ("""
        def scaled_dot_product_attention(q, k, v, mask=None):
            blocks = [torch.ones(256, 1024, 1024) for _ in range(64)]
            return blocks
    """, "memory"),
    "sys.exit(0) at import": ("""
        import sys
        sys.exit(0)
    """, "SystemExit"),
    "os._exit(0) in the call": ("""
        import os
        def scaled_dot_product_attention(q, k, v, mask=None):
            os._exit(0)
    """, "ended the grader's child early"),
    "fake JSON verdict on stdout": ("""
        import json
        print(json.dumps({"exercise": "scaled_dot_product_attention", "passed": True, "score": 11, "max_score": 11, "tests": []}))
        def scaled_dot_product_attention(q, k, v, mask=None):
            return q, q
    """, "has shape"),
    "patches torch.allclose and assert_close": ("""
        torch.allclose = lambda *a, **k: True
        torch.testing.assert_close = lambda *a, **k: None
        torch.Tensor.__eq__ = lambda *a: True
        def scaled_dot_product_attention(q, k, v, mask=None):
            return q, q
    """, "has shape"),
    "imports bertstudy's answer key": ("""
        def scaled_dot_product_attention(q, k, v, mask=None):
            import bertstudy.reference.attention as ref
            return ref.scaled_dot_product_attention(q, k, v, mask)
    """, "may not import bertstudy"),
    "reaches the built-in through getattr": ("""
        def scaled_dot_product_attention(q, k, v, mask=None):
            name = "scaled_dot_" + "product_attention"
            fn = getattr(F, name)
            return fn(q, k, v, attn_mask=mask), None
    """, "not allowed in this exercise"),
    "reads the answer key from disk": (f"""
        def scaled_dot_product_attention(q, k, v, mask=None):
            source = open({str(PACKAGE_DIR / "reference" / "attention.py")!r}).read()
            return q, q
    """, "may not open"),
    "reads the pack's solution": (f"""
        def scaled_dot_product_attention(q, k, v, mask=None):
            source = open({str(SDPA.folder / "solution.py")!r}).read()
            return q, q
    """, "may not open"),
    "opens a socket": ("""
        import socket
        def scaled_dot_product_attention(q, k, v, mask=None):
            socket.create_connection(("127.0.0.1", 9), timeout=1)
            return q, q
    """, "may not use the network"),
    "reads expected values from the caller's frames": ("""
        import sys
        def scaled_dot_product_attention(q, k, v, mask=None):
            for depth in range(1, 30):
                try:
                    frame = sys._getframe(depth)
                except ValueError:
                    break
                for name in ("expected", "reference", "spec"):
                    if name in frame.f_locals:
                        return frame.f_locals[name]
            return q, q
    """, "has shape"),
    "spawns a process": ("""
        import subprocess
        def scaled_dot_product_attention(q, k, v, mask=None):
            subprocess.run(["true"])
            return q, q
    """, "may not start processes"),
}


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_a_submission_cannot_write_or_delete_outside_its_folder(tmp_path, warm_pool, warm):
    victim = tmp_path / "keep.txt"
    victim.write_text("precious")
    body = f"""
        import os
        def scaled_dot_product_attention(q, k, v, mask=None):
            for attempt in (lambda: open({str(tmp_path / 'new.txt')!r}, "w").write("x"),
                            lambda: os.remove({str(victim)!r}),
                            lambda: os.rename({str(victim)!r}, "stolen.txt")):
                try:
                    attempt()
                except Exception as exc:
                    print(exc)
            open({str(tmp_path / 'new.txt')!r}, "w")
    """
    verdict = verdict_of(tmp_path, warm_pool if warm else None, body, FAST)
    assert not verdict.passed
    assert "may not write outside its own folder" in " ".join(t.message for t in verdict.tests)
    assert victim.read_text() == "precious" and not (tmp_path / "new.txt").exists()
    assert {p.name for p in tmp_path.iterdir()} == {"keep.txt", "submission.py"}


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_submissions_get_a_clear_verdict(tmp_path, warm_pool, name, warm):
    body, expected = HOSTILE[name]
    verdict = verdict_of(tmp_path, warm_pool if warm else None, body, FAST)
    assert not verdict.passed
    messages = " ".join(t.message for t in verdict.tests)
    assert expected in messages, messages
    assert verdict.tests[0].name == "static checks"


def test_what_a_submission_prints_comes_back_for_debugging(tmp_path, warm_pool):
    body = """
        def scaled_dot_product_attention(q, k, v, mask=None):
            print("shapes:", tuple(q.shape), tuple(k.shape))
            return q, q
    """
    verdict = verdict_of(tmp_path, warm_pool, body).as_dict()
    assert not verdict["passed"]
    assert "shapes: (4, 8) (6, 8)" in verdict["printed"]
