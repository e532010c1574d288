"""distillation_loss: correct solutions in other styles pass, realistic wrong ones fail with the
reason, the shipped files behave, and the reference agrees with PyTorch's KL divergence and
cross-entropy (there is no built-in distillation loss)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grading import failures, verdict_of
from bertstudy.reference.compression import distillation_loss

pytestmark = pytest.mark.slow
SIGNATURE = "def distillation_loss(student_logits, teacher_logits, labels, temperature=2.0, alpha=0.5):"

CORRECT = {
    "log space by hand, NLL through gather": f"""
        import torch

        {SIGNATURE}
            T = temperature
            log_s = torch.log_softmax(student_logits / T, dim=1)
            log_t = torch.log_softmax(teacher_logits.detach() / T, dim=1)
            soft = (log_t.exp() * (log_t - log_s)).sum(dim=1).mean()
            log_p = torch.log_softmax(student_logits, dim=1)
            hard = -log_p.gather(1, labels[:, None]).mean()
            return alpha * T * T * soft + (1 - alpha) * hard
    """,
    "F.kl_div with log_target=True": f"""
        import torch.nn.functional as F

        {SIGNATURE}
            s = F.log_softmax(student_logits / temperature, -1)
            t = F.log_softmax(teacher_logits.detach() / temperature, -1)
            soft = F.kl_div(s, t, reduction="batchmean", log_target=True) * temperature ** 2
            return alpha * soft + (1.0 - alpha) * F.cross_entropy(student_logits, labels)
    """,
    "teacher under no_grad, xlogy for the entropy term": f"""
        import torch
        import torch.nn.functional as F

        {SIGNATURE}
            with torch.no_grad():
                p_t = torch.softmax(teacher_logits / temperature, dim=-1)
            log_s = torch.log_softmax(student_logits / temperature, dim=-1)
            kl = (torch.xlogy(p_t, p_t) - p_t * log_s).sum(-1)
            ce = F.nll_loss(torch.log_softmax(student_logits, dim=-1), labels)
            return alpha * temperature ** 2 * kl.sum() / len(kl) + (1 - alpha) * ce
    """,
}

WRONG = {
    "the teacher is not detached": (f"""
        import torch.nn.functional as F

        {SIGNATURE}
            T = temperature
            soft = F.kl_div(F.log_softmax(student_logits / T, -1), F.softmax(teacher_logits / T, -1), reduction="batchmean")
            return alpha * T ** 2 * soft + (1 - alpha) * F.cross_entropy(student_logits, labels)
    """, "a gradient reached teacher_logits, which must get none: it is frozen, so use teacher_logits.detach()"),
    "takes the log of the teacher's softmax": (f"""
        import torch

        {SIGNATURE}
            T = temperature
            p_t = torch.softmax(teacher_logits.detach() / T, -1)
            log_s = torch.log_softmax(student_logits / T, -1)
            soft = (p_t * (torch.log(p_t) - log_s)).sum(-1).mean()
            hard = torch.nn.functional.cross_entropy(student_logits, labels)
            return alpha * T ** 2 * soft + (1 - alpha) * hard
    """, "contains NaN"),
    "multiplies by T instead of T²": (f"""
        import torch.nn.functional as F

        {SIGNATURE}
            T = temperature
            soft = F.kl_div(F.log_softmax(student_logits / T, -1), F.softmax(teacher_logits.detach() / T, -1), reduction="batchmean")
            return alpha * T * soft + (1 - alpha) * F.cross_entropy(student_logits, labels)
    """, "output differs"),
    "sums the KL over the batch too": (f"""
        import torch.nn.functional as F

        {SIGNATURE}
            T = temperature
            soft = F.kl_div(F.log_softmax(student_logits / T, -1), F.softmax(teacher_logits.detach() / T, -1), reduction="sum")
            return alpha * T ** 2 * soft + (1 - alpha) * F.cross_entropy(student_logits, labels)
    """, "output differs"),
    "passes probabilities, not log-probabilities, to F.kl_div": (f"""
        import torch.nn.functional as F

        {SIGNATURE}
            T = temperature
            soft = F.kl_div(F.softmax(student_logits / T, -1), F.softmax(teacher_logits.detach() / T, -1), reduction="batchmean")
            return alpha * T ** 2 * soft + (1 - alpha) * F.cross_entropy(student_logits, labels)
    """, "output differs"),
    "cross-entropy of the softmax (softmax applied twice)": (f"""
        import torch.nn.functional as F

        {SIGNATURE}
            T = temperature
            soft = F.kl_div(F.log_softmax(student_logits / T, -1), F.softmax(teacher_logits.detach() / T, -1), reduction="batchmean")
            hard = F.cross_entropy(F.softmax(student_logits, -1), labels)
            return alpha * T ** 2 * soft + (1 - alpha) * hard
    """, "output differs"),
    "returns the two terms as well": (f"""
        import torch.nn.functional as F

        {SIGNATURE}
            T = temperature
            soft = F.kl_div(F.log_softmax(student_logits / T, -1), F.softmax(teacher_logits.detach() / T, -1), reduction="batchmean")
            hard = F.cross_entropy(student_logits, labels)
            return alpha * T ** 2 * soft + (1 - alpha) * hard, soft, hard
    """, "output should be a tensor () float32, got tuple of 3"),
    "the hard term is not weighted by 1 - alpha": (f"""
        import torch.nn.functional as F

        {SIGNATURE}
            T = temperature
            soft = F.kl_div(F.log_softmax(student_logits / T, -1), F.softmax(teacher_logits.detach() / T, -1), reduction="batchmean")
            return alpha * T ** 2 * soft + F.cross_entropy(student_logits, labels)
    """, "output differs"),
}


def test_reference_matches_pytorch_losses():
    gen = torch.Generator().manual_seed(0)
    for batch, classes, temperature, alpha in ((4, 5, 2.0, 0.5), (3, 10, 4.0, 0.9), (6, 3, 1.0, 0.1)):
        student = torch.randn(batch, classes, generator=gen, dtype=torch.float64, requires_grad=True)
        teacher = (torch.randn(batch, classes, generator=gen, dtype=torch.float64) * 3).requires_grad_()
        labels = torch.randint(0, classes, (batch,), generator=gen)
        mine = distillation_loss(student, teacher, labels, temperature, alpha)
        kl = F.kl_div(F.log_softmax(student / temperature, -1), F.softmax(teacher.detach() / temperature, -1), reduction="batchmean")
        theirs = alpha * temperature**2 * kl + (1 - alpha) * F.cross_entropy(student, labels)
        assert mine.shape == ()
        torch.testing.assert_close(mine, theirs)
        grad_student, grad_teacher = torch.autograd.grad(mine, [student, teacher], allow_unused=True)
        torch.testing.assert_close(grad_student, torch.autograd.grad(theirs, student)[0])
        assert grad_teacher is None  # the teacher is a constant
    confident = torch.tensor([[400.0, 0.0, -400.0]])
    assert torch.isfinite(distillation_loss(torch.randn(1, 3, generator=gen), confident, torch.tensor([0])))


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("distillation_loss", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("distillation_loss", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)


def test_a_cut_graph_is_told_apart_from_a_frozen_input_that_leaks(tmp_path, warm_pool):
    """A gradient that must be zero and is not says "detach it"; one that must flow and does not says
    the graph was cut: never the opposite advice."""
    cut = f"""
        import torch.nn.functional as F

        {SIGNATURE}
            T = temperature
            student = student_logits.detach()
            soft = F.kl_div(F.log_softmax(student / T, -1), F.softmax(teacher_logits.detach() / T, -1), reduction="batchmean")
            return alpha * T ** 2 * soft + (1 - alpha) * F.cross_entropy(student, labels)
    """
    said = failures(verdict_of("distillation_loss", cut, warm_pool, tmp_path))
    assert "not connected to the inputs' autograd graph" in said and "teacher_logits.detach()" not in said
    leaky = failures(verdict_of("distillation_loss", WRONG["the teacher is not detached"][0], warm_pool, tmp_path))
    assert "frozen" in leaky and "cut the graph" not in leaky
