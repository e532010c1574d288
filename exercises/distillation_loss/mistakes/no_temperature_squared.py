import torch
import torch.nn.functional as F


def distillation_loss(student_logits, teacher_logits, labels, temperature=2.0, alpha=0.5):
    T = temperature
    log_p_student = F.log_softmax(student_logits / T, dim=-1)
    p_teacher = F.softmax(teacher_logits.detach() / T, dim=-1)
    soft = F.kl_div(log_p_student, p_teacher, reduction="batchmean")
    hard = F.cross_entropy(student_logits, labels)
    return alpha * soft + (1 - alpha) * hard
