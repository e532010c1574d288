import torch
import torch.nn.functional as F


def distillation_loss(student_logits, teacher_logits, labels, temperature=2.0, alpha=0.5):
    """alpha·T²·KL(teacher || student) + (1 - alpha)·CE; the statement: `bertstudy exercise start distillation_loss`."""
    # TODO: the student's and the (detached) teacher's distributions at temperature T, in log space
    # TODO: KL(p_teacher || p_student), summed over the classes and averaged over the batch
    # TODO: the hard-label cross-entropy of the raw student logits
    # TODO: combine: alpha * T**2 * soft + (1 - alpha) * hard
    raise NotImplementedError("write distillation_loss")
