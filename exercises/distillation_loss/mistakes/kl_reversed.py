import torch
import torch.nn.functional as F


def distillation_loss(student_logits, teacher_logits, labels, temperature=2.0, alpha=0.5):
    T = temperature
    p_student = F.softmax(student_logits / T, dim=-1)
    log_p_teacher = F.log_softmax(teacher_logits.detach() / T, dim=-1)
    soft = F.kl_div(log_p_teacher, p_student, reduction="batchmean")
    hard = F.cross_entropy(student_logits, labels)
    return alpha * T**2 * soft + (1 - alpha) * hard
