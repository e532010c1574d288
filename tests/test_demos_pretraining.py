"""The pre-training demos show what they claim: mlm-masking's statistics match the theory within
its stated bounds, static and dynamic masking follow their formulas, whole word masking never cuts
a word (in English and Chinese); mini-pretrain's losses fall, alone and under torchrun with
DistributedDataParallel on two CPU processes."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

from bertstudy.demos import mini_pretrain, mlm_masking
from bertstudy.reference.pretraining import whole_word_groups
from bertstudy.reference.tokenization import BertTokenizer
from conftest import REPO


@pytest.fixture(scope="module")
def masking():
    return mlm_masking.run(quick=True)


def test_the_pair_is_tokenized_by_the_reference(masking):
    tokenizer = BertTokenizer()
    expected = ["[CLS]", *tokenizer.tokenize(mlm_masking.SENTENCE_A), "[SEP]", *tokenizer.tokenize(mlm_masking.SENTENCE_B), "[SEP]"]
    assert masking["tokens"] == expected
    assert ["phil", "##am", "##mon"] == expected[expected.index("phil"):expected.index("phil") + 3]
    for row in masking["dynamic"]:  # only chosen tokens change, [CLS]/[SEP] never
        assert all(k or t == o for t, o, k in zip(row["tokens"], expected, row["kinds"]))
        assert all(not k for t, k in zip(expected, row["kinds"]) if t in ("[CLS]", "[SEP]"))
    assert len({tuple(r["tokens"]) for r in masking["dynamic"]}) > 1, "each epoch draws a new mask"


def test_measured_shares_lie_within_their_bounds(masking):
    stats = masking["statistics"]
    assert stats["tokens"] >= 25_000
    by_name = {row["name"]: row for row in stats["shares"]}
    assert set(by_name) == {"selected", "mask", "random", "kept"}
    for row in stats["shares"]:
        assert row["bound"] == pytest.approx(5 * math.sqrt(row["expected"] * (1 - row["expected"]) / row["over"]))
        assert abs(row["measured"] - row["expected"]) <= row["bound"] and row["within"]
    assert sum(by_name[k]["measured"] for k in ("mask", "random", "kept")) == pytest.approx(1.0)


def test_fixed_count_against_per_token_draws(masking):
    per = masking["statistics"]["per_sequence"]
    assert per["fixed_expected"] == 19 and per["fixed_mean"] == 19 and per["fixed_std"] == 0
    assert abs(per["bernoulli_std"] - per["bernoulli_theory_std"]) < 0.15 * per["bernoulli_theory_std"]
    hist = masking["statistics"]["histogram"]
    assert hist["fixed"][19] == 1.0 and sum(hist["bernoulli"]) == pytest.approx(1.0, abs=0.01)
    assert sum(h > 0 for h in hist["bernoulli"]) > 8, "per-token draws spread the count"


def test_static_and_dynamic_masking_follow_their_formulas(masking):
    epochs = masking["epochs"]
    n = 4000  # tokens in the quick run
    for e, dynamic, theory, static, dupe in zip(epochs["epoch"], epochs["dynamic"], epochs["theory"],
                                                epochs["static"], epochs["dupe10"]):
        assert theory == pytest.approx(1 - 0.85 ** e)
        assert abs(dynamic - theory) <= 5 * math.sqrt(theory * (1 - theory) / n)
        assert abs(static - 0.15) <= 5 * math.sqrt(0.15 * 0.85 / n)
        assert dupe <= dynamic + 5 * math.sqrt(0.25 / n)
    assert epochs["dupe10"][-1] == pytest.approx(epochs["dupe10"][9]), "ten copies stop adding tokens after ten epochs"
    assert epochs["dynamic"][-1] > epochs["dupe10"][-1] > 0.75 > epochs["static"][-1]


def test_whole_word_masking_keeps_words_whole(masking):
    ww = masking["whole_words"]
    assert all(p == 0 for p in ww["partial"]["whole_word"])
    assert all(p > 0.5 for p in ww["partial"]["per_token"]), "per-token masking usually cuts a word"
    together = ww["together"]["whole_word"]
    tokens = ww["b_tokens"]
    for group in whole_word_groups(tokens):
        for i in group:
            assert all(together[i][j] == 1.0 for j in group), "the pieces of a word are chosen together"
    per_token = ww["together"]["per_token"]
    assert max(per_token[i][j] for i in range(len(tokens)) for j in range(len(tokens)) if i != j) < 0.6


def test_chinese_words_are_masked_whole(masking):
    ch = masking["chinese"]
    assert [t for t in ch["tokens"] if t not in ("[CLS]", "[SEP]")][:14] == list("使用语言模型来预测下一个词的")
    assert ["".join(g) for g in ch["groups"]] == mlm_masking.CHINESE_WORDS
    assert not any(t.startswith("##") for t in ch["tokens"]), "the tokens stay single characters"
    for row in ch["examples"]["whole_word"]:
        for group in whole_word_groups(ch["marked"]):
            assert len({bool(row["kinds"][i]) for i in group}) == 1
    assert any(len({bool(row["kinds"][i]) for i in group}) == 2
               for row in ch["examples"]["per_character"] for group in whole_word_groups(ch["marked"]))


def test_mini_pretrain_losses_fall_quick():
    data = mini_pretrain.run(quick=True)
    mlm, nsp = data["mlm_loss"], data["nsp_loss"]
    assert len(mlm) == len(nsp) == data["settings"]["steps"]
    assert abs(sum(mlm[:5]) / 5 - data["uniform_mlm_loss"]) < 0.5, "an untrained model guesses about uniformly"
    assert sum(mlm[-10:]) / 10 < sum(mlm[:10]) / 10 - 0.7
    assert sum(nsp[:10]) / 10 == pytest.approx(math.log(2), abs=0.1)
    assert data["world_size"] == 1 and data["ranks_agree"] is None
    assert data["parameters"] == sum(1 for _ in [0]) * data["parameters"] > 0
    ranks_before = sorted(p["answer_rank"] for p in data["before"])
    ranks_after = sorted(p["answer_rank"] for p in data["after"])
    assert ranks_after[len(ranks_after) // 2] < ranks_before[len(ranks_before) // 2], "the right words climb"


def test_the_corpus_is_google_formatted():
    documents = mini_pretrain.read_documents()
    assert len(documents) >= 40 and 250 <= sum(len(d) for d in documents) <= 400
    vocab = mini_pretrain.build_vocab(documents)
    assert vocab[:5] == mini_pretrain.SPECIALS and len(vocab) == len(set(vocab))
    words = set(vocab)
    for a, b, answer in mini_pretrain.PROBES:
        assert set(a.split()) - {"[MASK]"} <= words and set(b.split()) <= words and answer in words
        assert answer not in b.split(), "sentence B does not give the answer away"


@pytest.mark.slow
def test_mini_pretrain_under_torchrun_with_two_processes(tmp_path):
    """torchrun starts two CPU ranks (gloo): both train on their shards, only rank 0 prints and
    writes the summary, the loss falls and DDP keeps the two ranks' weights equal."""
    summary = tmp_path / "summary.json"
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")}
    env["PYTHONPATH"] = str(REPO)
    env["CUDA_VISIBLE_DEVICES"] = ""  # the CPU (gloo) path, also where a GPU is present
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--standalone",
         "-m", "bertstudy.demos.mini_pretrain", "--quick", "--summary", str(summary)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads(summary.read_text())
    assert data["world_size"] == 2 and data["backend"] == "gloo" and data["ranks_agree"] is True
    mlm = data["mlm_loss"]
    assert sum(mlm[-10:]) / 10 < sum(mlm[:10]) / 10 - 0.7
    assert done.stdout.count("A tiny BERT") == 1, "only rank 0 prints"
