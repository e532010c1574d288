"""The reference BERT against Hugging Face transformers on the same weights, loaded both ways.

Tiny random configs, float32, eval mode: every output equal within 1e-5. Then the loader's
forgiveness (legacy gamma/beta, the `bert.` prefix, tied and old keys) and its reports, safetensors
files HF can read and write, and the parameter counts of bert-base and bert-large.
"""

from __future__ import annotations

import dataclasses

import pytest
import torch

transformers = pytest.importorskip("transformers")

from bertstudy.reference import bert  # noqa: E402
from bertstudy.reference.bert import BertConfig  # noqa: E402
from bertstudy.reference.bert_weights import load_bert_weights, save_bert_weights  # noqa: E402

ATOL = 1e-5


def hf_outputs(name: str, out) -> tuple[torch.Tensor, ...]:
    """The HF output fields that correspond to the reference model's return value."""
    fields = {"BertModel": ("last_hidden_state", "pooler_output"),
              "BertForPreTraining": ("prediction_logits", "seq_relationship_logits"),
              "BertForQuestionAnswering": ("start_logits", "end_logits")}.get(name, ("logits",))
    return tuple(getattr(out, f) for f in fields)


MODELS = ["BertModel", "BertForPreTraining", "BertForMaskedLM", "BertForNextSentencePrediction",
          "BertForSequenceClassification", "BertForTokenClassification", "BertForQuestionAnswering"]


def hf_config(config: BertConfig, attn_implementation: str = "sdpa"):
    return transformers.BertConfig(**dataclasses.asdict(config), attn_implementation=attn_implementation)


def randomize(model: torch.nn.Module, seed: int) -> None:
    """Give every parameter (biases and LayerNorm too) non-trivial values, so no mistake hides behind
    a zero bias or a unit gain."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():  # tied Parameters come once
            noise = torch.randn(p.shape, generator=g)
            p.copy_(1 + 0.1 * noise if "LayerNorm.weight" in name else 0.2 * noise)


def inputs(config: BertConfig, seed: int = 0, batch: int = 3, length: int = 10) -> dict[str, torch.Tensor]:
    """Random ids, two segments, and padding at the end of every row but the first."""
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor([length, length - 3, 4])[:batch]
    attention_mask = (torch.arange(length)[None, :] < lengths[:, None]).long()  # (B, L)
    input_ids = torch.randint(1, config.vocab_size, (batch, length), generator=g) * attention_mask
    token_type_ids = (torch.arange(length)[None, :] >= lengths[:, None] // 2).long() * attention_mask
    return {"input_ids": input_ids, "token_type_ids": token_type_ids, "attention_mask": attention_mask}


def assert_same_outputs(ours, theirs) -> None:
    ours = ours if isinstance(ours, tuple) else (ours,)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, atol=ATOL, rtol=0)


def task_config(name: str) -> BertConfig:
    """Three labels where a head has labels; HF's QA head sizes itself by num_labels, which must stay 2."""
    return BertConfig.tiny(num_labels=2 if name == "BertForQuestionAnswering" else 3)


def pair(name: str, config: BertConfig, attn_implementation: str = "sdpa"):
    ours = getattr(bert, name)(config).eval()
    theirs = getattr(transformers, name)(hf_config(config, attn_implementation)).eval()
    return ours, theirs


@pytest.mark.parametrize("attn_implementation", ["sdpa", "eager"])
@pytest.mark.parametrize("name", MODELS)
def test_hf_weights_into_the_reference(name, attn_implementation):
    config = task_config(name)
    ours, theirs = pair(name, config, attn_implementation)
    randomize(theirs, seed=1)
    report = load_bert_weights(ours, theirs.state_dict())
    assert report.ok and not report.renamed
    x = inputs(config)
    with torch.no_grad():
        assert_same_outputs(ours(**x), hf_outputs(name, theirs(**x)))


@pytest.mark.parametrize("name", MODELS)
def test_reference_weights_into_hf(name):
    config = task_config(name)
    ours, theirs = pair(name, config)
    assert set(ours.state_dict()) == set(theirs.state_dict())  # HF's names, nothing more or less
    randomize(ours, seed=2)
    theirs.load_state_dict(ours.state_dict(), strict=True)
    x = inputs(config, seed=3)
    with torch.no_grad():
        assert_same_outputs(ours(**x), hf_outputs(name, theirs(**x)))


def test_bert_model_defaults_and_position_ids():
    config = BertConfig.tiny()
    ours, theirs = pair("BertModel", config)
    randomize(theirs, seed=4)
    load_bert_weights(ours, theirs.state_dict())
    ids = inputs(config)["input_ids"]
    position_ids = torch.arange(5, 15).expand(3, -1)  # (B, L), shifted
    with torch.no_grad():
        assert_same_outputs(ours(ids), hf_outputs("BertModel", theirs(input_ids=ids)))
        assert_same_outputs(ours(ids, position_ids=position_ids),
                            hf_outputs("BertModel", theirs(input_ids=ids, position_ids=position_ids)))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_kept_weights_take_the_written_out_attention_to_the_same_outputs(dtype, monkeypatch):
    """keep_weights switches BertSelfAttention from PyTorch's fused kernel to the formula written
    out (attention.scaled_dot_product_attention); the outputs must not notice, padding included,
    and the kept weights are each query's distribution over the real keys."""
    config = BertConfig.tiny()
    model = bert.BertModel(config).to(dtype).eval()
    randomize(model, seed=6)
    x = inputs(config, batch=3)
    x = {k: torch.cat([v, torch.zeros_like(v[:1])]) for k, v in x.items()}  # and a row that is all padding
    with torch.no_grad():
        fused = model(**x)
        monkeypatch.setattr(bert.BertSelfAttention, "keep_weights", True)
        written_out = model(**x)
    for a, b in zip(fused, written_out):
        torch.testing.assert_close(a, b, **({"atol": 1e-6, "rtol": 1e-5} if dtype == torch.float32 else {}))
    weights = model.encoder.layer[-1].attention.self.weights[:-1]  # (B, h, L, L), the rows with real tokens
    padding = ~x["attention_mask"][:-1].bool()[:, None, None, :].expand_as(weights)
    assert torch.all(weights[padding] == 0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:-1], dtype=dtype))


def test_tanh_gelu_matches_hf_gelu_new():
    config = BertConfig.tiny(hidden_act="gelu_new")
    ours, theirs = pair("BertForPreTraining", config)
    randomize(theirs, seed=5)
    load_bert_weights(ours, theirs.state_dict())
    x = inputs(config)
    with torch.no_grad():
        assert_same_outputs(ours(**x), hf_outputs("BertForPreTraining", theirs(**x)))


def test_mlm_decoder_is_tied_and_dropout_is_live_in_training():
    model = bert.BertForPreTraining(BertConfig.tiny())
    assert model.cls.predictions.decoder.weight is model.bert.embeddings.word_embeddings.weight
    assert model.cls.predictions.decoder.bias is model.cls.predictions.bias
    x = inputs(BertConfig.tiny())
    torch.manual_seed(0)
    with torch.no_grad():
        first, second = model.train()(**x)[0], model(**x)[0]
        assert not torch.allclose(first, second)
        torch.testing.assert_close(model.eval()(**x)[0], model(**x)[0], atol=0, rtol=0)


def test_legacy_gamma_beta_names_load():
    config = BertConfig.tiny()
    ours, theirs = pair("BertForPreTraining", config)
    randomize(theirs, seed=6)
    legacy = {k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"): v
              for k, v in theirs.state_dict().items()}
    assert "bert.embeddings.LayerNorm.gamma" in legacy
    report = load_bert_weights(ours, legacy)
    assert report.renamed["bert.embeddings.LayerNorm.gamma"] == "bert.embeddings.LayerNorm.weight"
    assert len(report.renamed) == 2 * (1 + 2 * config.num_hidden_layers + 1)  # embeddings, 2 per layer, MLM
    x = inputs(config)
    with torch.no_grad():
        assert_same_outputs(ours(**x), hf_outputs("BertForPreTraining", theirs(**x)))


def test_bert_prefix_added_or_removed_when_unambiguous():
    config = BertConfig.tiny()
    base = transformers.BertModel(hf_config(config)).eval()
    randomize(base, seed=7)
    classifier = bert.BertForSequenceClassification(config).eval()
    report = load_bert_weights(classifier, base.state_dict(), strict=False)
    assert report.missing == ["classifier.weight", "classifier.bias"] and not report.unexpected
    assert report.renamed["embeddings.word_embeddings.weight"] == "bert.embeddings.word_embeddings.weight"
    torch.testing.assert_close(classifier.bert.pooler.dense.weight, base.pooler.dense.weight, atol=0, rtol=0)

    pretraining = transformers.BertForPreTraining(hf_config(config)).eval()
    randomize(pretraining, seed=8)
    encoder = bert.BertModel(config).eval()
    report = load_bert_weights(encoder, pretraining.state_dict(), strict=False)
    assert not report.missing and report.unexpected and all(k.startswith("cls.") for k in report.unexpected)
    x = inputs(config)
    with torch.no_grad():
        assert_same_outputs(encoder(**x), hf_outputs("BertModel", pretraining.bert(**x)))


def test_strict_loading_names_what_is_wrong():
    config = BertConfig.tiny()
    state = bert.BertModel(config).state_dict()
    with pytest.raises(KeyError, match=r"missing: classifier\.weight, classifier\.bias"):
        load_bert_weights(bert.BertForSequenceClassification(config), state)
    state["encoder.layer.0.extra.weight"] = torch.zeros(1)
    with pytest.raises(KeyError, match=r"unexpected: encoder\.layer\.0\.extra\.weight"):
        load_bert_weights(bert.BertModel(config), state)
    wide = bert.BertModel(BertConfig.tiny(hidden_size=64)).state_dict()
    with pytest.raises(ValueError, match="embeddings.word_embeddings.weight: checkpoint shape"):
        load_bert_weights(bert.BertModel(config), wide)


def test_tied_and_old_keys():
    config = BertConfig.tiny()
    source = bert.BertForPreTraining(config)
    randomize(source, seed=9)
    state = source.state_dict()
    without_tied = {k: v for k, v in state.items() if not k.startswith("cls.predictions.decoder.")}
    old = {**state, "bert.embeddings.position_ids": torch.arange(64)[None]}
    for checkpoint in (state, without_tied, old):
        target = bert.BertForPreTraining(config)
        report = load_bert_weights(target, checkpoint)
        assert report.ok
        for k, v in state.items():
            torch.testing.assert_close(target.state_dict()[k], v, atol=0, rtol=0)
    assert report.ignored[0] == "bert.embeddings.position_ids"
    untied = {**state, "cls.predictions.decoder.weight": torch.zeros(config.vocab_size, config.hidden_size)}
    with pytest.raises(ValueError, match="ties them"):
        load_bert_weights(bert.BertForPreTraining(config), untied)


def test_safetensors_round_trip_with_hf(tmp_path):
    config = BertConfig.tiny()
    ours = bert.BertForPreTraining(config).eval()
    randomize(ours, seed=10)
    save_bert_weights(ours, tmp_path / "model.safetensors")
    hf_config(config).save_pretrained(tmp_path)
    theirs = transformers.BertForPreTraining.from_pretrained(tmp_path).eval()
    x = inputs(config)
    with torch.no_grad():
        assert_same_outputs(ours(**x), hf_outputs("BertForPreTraining", theirs(**x)))

    again = bert.BertForPreTraining(config).eval()
    assert load_bert_weights(again, tmp_path / "model.safetensors").ok
    for k, v in ours.state_dict().items():
        torch.testing.assert_close(again.state_dict()[k], v, atol=0, rtol=0)

    randomize(theirs, seed=11)
    theirs.save_pretrained(tmp_path / "hf")
    assert load_bert_weights(again, tmp_path / "hf" / "model.safetensors").ok
    with torch.no_grad():
        assert_same_outputs(again(**x), hf_outputs("BertForPreTraining", theirs(**x)))


def test_config_presets_and_hf_defaults():
    assert dataclasses.asdict(BertConfig.base()) == dataclasses.asdict(BertConfig())
    defaults = transformers.BertConfig()
    for f in dataclasses.fields(BertConfig):
        assert getattr(BertConfig(), f.name) == getattr(defaults, f.name), f.name
    assert BertConfig.from_dict({**defaults.to_dict(), "hidden_size": 64, "num_attention_heads": 4}).hidden_size == 64
    with pytest.raises(ValueError, match="multiple"):
        BertConfig.tiny(num_attention_heads=3)


def count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())  # tied Parameters count once


def test_parameter_counts_of_base_and_large():
    """bert-facts 1.8: BertModel 109,482,240 (base) and 335,141,888 (large); pre-training heads +624,188."""
    with torch.device("meta"):  # shapes only, no memory
        assert count(bert.BertModel(BertConfig.base())) == 109_482_240
        assert count(bert.BertModel(BertConfig.large())) == 335_141_888
        assert count(bert.BertForPreTraining(BertConfig.base())) == 109_482_240 + 624_188
        assert count(bert.BertModel(BertConfig.base(vocab_size=21128))) == 102_267_648
