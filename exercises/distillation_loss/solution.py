import torch
import torch.nn.functional as F


def distillation_loss(student_logits, teacher_logits, labels, temperature=2.0, alpha=0.5):
    """alpha * T² * KL(softmax(teacher/T) || softmax(student/T)) + (1 - alpha) * CE(student, labels)."""
    T = temperature
    log_p_student = F.log_softmax(student_logits / T, dim=-1)
    p_teacher = F.softmax(teacher_logits.detach() / T, dim=-1)  # the teacher is frozen
    soft = F.kl_div(log_p_student, p_teacher, reduction="batchmean")  # sum over classes, mean over batch
    hard = F.cross_entropy(student_logits, labels)  # raw logits: no temperature here
    return alpha * T**2 * soft + (1 - alpha) * hard
