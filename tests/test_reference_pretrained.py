"""The reference BERT with real weights (the optional MiniLM package) against transformers' BertModel.
Skipped when the package is not installed; tests/test_reference_bert.py covers random weights."""

from __future__ import annotations

import pytest
import torch

from bertstudy.reference import pretrained

transformers = pytest.importorskip("transformers")
pytestmark = pytest.mark.skipif(not pretrained.available(), reason=f"needs the pretrained model: {pretrained.INSTALL}")

SENTENCES = [
    ("The cat sat on the mat.", "It was warm there."),
    ("BERT reads the whole sentence at once; an RNN reads it word by word.", None),
    ("Unbelievably, the naïve café served crème brûlée.", None),
    ("我们在北京学习自然语言处理。", "Transformers use self-attention."),
]


def test_real_weights_match_transformers():
    ours = pretrained.load_bert()
    folder = pretrained.model_dir()
    theirs = transformers.BertModel.from_pretrained(folder, local_files_only=True).eval()
    tokenizer = transformers.BertTokenizer(vocab_file=str(folder / "vocab.txt"))
    firsts = [a for a, _ in SENTENCES]
    seconds = [b or "" for _, b in SENTENCES]
    batch = tokenizer(firsts, seconds, padding=True, return_tensors="pt")
    with torch.no_grad():
        sequence, pooled = ours(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
        expected = theirs(**batch)
    real = batch["attention_mask"].bool()  # HF's outputs at padding positions are not compared
    torch.testing.assert_close(sequence[real], expected.last_hidden_state[real], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(pooled, expected.pooler_output, atol=1e-5, rtol=1e-5)
    assert ours.config.num_hidden_layers == 6 and ours.config.hidden_size == 384


def test_shipped_vocab_is_the_models_vocab():
    from bertstudy.reference.tokenization import shipped_vocab_path

    assert shipped_vocab_path().read_bytes() == (pretrained.model_dir() / "vocab.txt").read_bytes()
