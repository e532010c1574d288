"""pooler_and_classifier: correct solutions in other styles pass, realistic wrong ones fail with the
reason, and the reference agrees with PyTorch's own layers (nn.Linear, nn.Tanh) on the same weights."""

from __future__ import annotations

import pytest
import torch

from grading import failures, verdict_of
from bertstudy.reference.finetuning import pooler_and_classifier

pytestmark = pytest.mark.slow
SIGNATURE = "def pooler_and_classifier(hidden_states, pooler_weight, pooler_bias, classifier_weight, classifier_bias):"

CORRECT = {
    "F.linear and select": f"""
        import torch
        import torch.nn.functional as F

        {SIGNATURE}
            cls = hidden_states.select(1, 0)
            return F.linear(torch.tanh(F.linear(cls, pooler_weight, pooler_bias)), classifier_weight, classifier_bias)
    """,
    "einsum, a tanh from exponentials, keeping the sequence axis then squeezing it": f"""
        import torch

        {SIGNATURE}
            first = hidden_states[:, :1, :]                       # (B, 1, D)
            z = torch.einsum("bld,ed->ble", first, pooler_weight) + pooler_bias
            pooled = (torch.exp(2 * z) - 1) / (torch.exp(2 * z) + 1)
            logits = torch.einsum("ble,ke->blk", pooled, classifier_weight) + classifier_bias
            return logits.squeeze(1)
    """,
    "addmm, Tensor.tanh and a row loop over the batch": f"""
        import torch

        {SIGNATURE}
            rows = []
            for sequence in hidden_states:                        # (L, D) each
                c = torch.addmm(pooler_bias.unsqueeze(0), sequence[0:1], pooler_weight.t()).tanh()
                rows.append(torch.addmm(classifier_bias.unsqueeze(0), c, classifier_weight.t()))
            return torch.cat(rows, dim=0)
    """,
}

WRONG = {
    "max-pools over positions": (f"""
        import torch

        {SIGNATURE}
            h = hidden_states.max(dim=1).values
            return torch.tanh(h @ pooler_weight.T + pooler_bias) @ classifier_weight.T + classifier_bias
    """, "output differs"),
    "applies tanh to the logits instead of the pooler": (f"""
        import torch

        {SIGNATURE}
            h = hidden_states[:, 0]
            return torch.tanh((h @ pooler_weight.T + pooler_bias) @ classifier_weight.T + classifier_bias)
    """, "output differs"),
    "returns probabilities (softmax over the classes)": (f"""
        import torch

        {SIGNATURE}
            h = hidden_states[:, 0]
            logits = torch.tanh(h @ pooler_weight.T + pooler_bias) @ classifier_weight.T + classifier_bias
            return logits.softmax(dim=-1)
    """, "output differs"),
    "keeps the sequence axis, (B, 1, K)": (f"""
        import torch

        {SIGNATURE}
            h = hidden_states[:, :1]
            return torch.tanh(h @ pooler_weight.T + pooler_bias) @ classifier_weight.T + classifier_bias
    """, "output has shape"),
    "uses ReLU in the pooler": (f"""
        import torch

        {SIGNATURE}
            h = hidden_states[:, 0]
            return torch.relu(h @ pooler_weight.T + pooler_bias) @ classifier_weight.T + classifier_bias
    """, "output differs"),
    "transposes the classifier weight the wrong way round": (f"""
        import torch

        {SIGNATURE}
            h = hidden_states[:, 0]
            return torch.tanh(h @ pooler_weight.T + pooler_bias) @ classifier_weight + classifier_bias
    """, "RuntimeError"),
    "computes in float32": (f"""
        import torch

        {SIGNATURE}
            h = hidden_states[:, 0].float()
            pooled = torch.tanh(h @ pooler_weight.float().T + pooler_bias.float())
            return pooled @ classifier_weight.float().T + classifier_bias.float()
    """, "dtype float32, expected float64"),
    "detaches the [CLS] vector": (f"""
        import torch

        {SIGNATURE}
            h = hidden_states[:, 0].detach()
            return torch.tanh(h @ pooler_weight.T + pooler_bias) @ classifier_weight.T + classifier_bias
    """, "gradients"),
    "writes the pooled vector back into hidden_states": (f"""
        import torch

        {SIGNATURE}
            with torch.no_grad():
                hidden_states[:, 0] = torch.tanh(hidden_states[:, 0] @ pooler_weight.T + pooler_bias)
            return hidden_states[:, 0] @ classifier_weight.T + classifier_bias
    """, "in place"),
    "borrows HF's BertPooler": (f"""
        import torch
        from transformers.models.bert.modeling_bert import BertPooler

        {SIGNATURE}
            raise RuntimeError("unreachable")
    """, "transformers is not allowed"),
}


def test_reference_matches_torch_layers():
    gen = torch.Generator().manual_seed(0)
    batch, length, d_model, num_labels = 3, 6, 10, 4
    pooler = torch.nn.Sequential(torch.nn.Linear(d_model, d_model), torch.nn.Tanh()).double()
    classifier = torch.nn.Linear(d_model, num_labels).double()
    hidden_states = torch.randn(batch, length, d_model, generator=gen, dtype=torch.float64)
    expected = classifier(pooler(hidden_states[:, 0]))
    got = pooler_and_classifier(hidden_states, pooler[0].weight, pooler[0].bias, classifier.weight, classifier.bias)
    torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("pooler_and_classifier", CORRECT[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", WRONG)
def test_wrong_implementations_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = WRONG[name]
    verdict = verdict_of("pooler_and_classifier", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)
