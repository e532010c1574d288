"""Model compression: making BERT smaller and faster. For now it holds the distillation loss.

Knowledge distillation (Hinton et al. 2015) trains a small student to match a large teacher's
softened output distribution as well as the true labels; DistilBERT (Sanh et al. 2019) trains
its student this way. Leaves out: DistilBERT's masked-LM and cosine-embedding terms, quantisation
and head pruning.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    temperature: float = 2.0,
    alpha: float = 0.5,
) -> torch.Tensor:
    """alpha * T² * KL(p_teacher || p_student) + (1 - alpha) * CE(student_logits, labels).

    student_logits, teacher_logits (B, C) float; labels (B,) int64 in [0, C). p_teacher and
    p_student are softmax(logits / T) with T = temperature; the KL divergence is summed over the
    C classes and averaged over the B examples. The cross-entropy uses the raw student logits
    (T = 1), averaged over the batch. The T² keeps the soft term's gradients the same size as T
    changes. The teacher is frozen: no gradient reaches teacher_logits. Returns a 0-dim tensor.
    """
    teacher_logits = teacher_logits.detach()  # the teacher is a constant
    log_p_student = torch.log_softmax(student_logits / temperature, dim=-1)  # (B, C)
    log_p_teacher = torch.log_softmax(teacher_logits / temperature, dim=-1)  # (B, C)
    kl = (log_p_teacher.exp() * (log_p_teacher - log_p_student)).sum(dim=-1)  # (B,)
    soft = temperature**2 * kl.mean()
    hard = F.cross_entropy(student_logits, labels)  # mean over the batch
    return alpha * soft + (1 - alpha) * hard
