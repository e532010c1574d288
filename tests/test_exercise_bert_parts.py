"""The module exercises bert_embeddings, transformer_encoder_layer and capstone_bert: correct modules
in other styles pass, realistic wrong ones fail with the reason (including state_dict names that do
not fit), and the reference parts equal transformers' BertEmbeddings, BertLayer and BertModel."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import torch

from grading import failures, verdict_of
from bertstudy.content.schema import PARTS_LINE
from bertstudy.reference import bert_parts

pytestmark = pytest.mark.slow

EMBEDDINGS = {
    "the solution's layout with a position buffer": """
        import torch
        from torch import nn

        class BertEmbeddings(nn.Module):
            def __init__(self, vocab_size, hidden_size, max_position_embeddings, type_vocab_size=2, layer_norm_eps=1e-12):
                super().__init__()
                self.word_embeddings = nn.Embedding(vocab_size, hidden_size)
                self.position_embeddings = nn.Embedding(max_position_embeddings, hidden_size)
                self.token_type_embeddings = nn.Embedding(type_vocab_size, hidden_size)
                self.LayerNorm = nn.LayerNorm(hidden_size, eps=layer_norm_eps)
                self.register_buffer("position_ids", torch.arange(max_position_embeddings)[None, :])

            def forward(self, input_ids, token_type_ids=None):
                if token_type_ids is None:
                    token_type_ids = torch.zeros_like(input_ids)
                positions = self.position_ids[:, : input_ids.size(1)]
                x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
                return self.LayerNorm(x + self.position_embeddings(positions))
    """,
    "raw parameters indexed by hand, LayerNorm written out": """
        import torch
        from torch import nn

        class Table(nn.Module):
            def __init__(self, n, d):
                super().__init__()
                self.weight = nn.Parameter(torch.randn(n, d))

        class Norm(nn.Module):
            def __init__(self, d, eps):
                super().__init__()
                self.weight = nn.Parameter(torch.ones(d))
                self.bias = nn.Parameter(torch.zeros(d))
                self.eps = eps

            def forward(self, x):
                mean = x.mean(-1, keepdim=True)
                var = ((x - mean) ** 2).mean(-1, keepdim=True)
                return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias

        class BertEmbeddings(nn.Module):
            def __init__(self, vocab_size, hidden_size, max_position_embeddings, type_vocab_size=2, layer_norm_eps=1e-12):
                super().__init__()
                self.word_embeddings = Table(vocab_size, hidden_size)
                self.position_embeddings = Table(max_position_embeddings, hidden_size)
                self.token_type_embeddings = Table(type_vocab_size, hidden_size)
                self.LayerNorm = Norm(hidden_size, layer_norm_eps)

            def forward(self, input_ids, token_type_ids=None):
                segments = token_type_ids if token_type_ids is not None else input_ids * 0
                L = input_ids.shape[-1]
                x = self.word_embeddings.weight[input_ids] + self.token_type_embeddings.weight[segments]
                return self.LayerNorm(x + self.position_embeddings.weight[:L])
    """,
    "F.embedding and F.layer_norm": """
        import torch
        import torch.nn.functional as F
        from torch import nn

        class BertEmbeddings(nn.Module):
            def __init__(self, vocab_size, hidden_size, max_position_embeddings, type_vocab_size=2, layer_norm_eps=1e-12):
                super().__init__()
                self.eps = layer_norm_eps
                for name, rows in [("word_embeddings", vocab_size), ("position_embeddings", max_position_embeddings),
                                   ("token_type_embeddings", type_vocab_size)]:
                    setattr(self, name, nn.Embedding(rows, hidden_size))
                self.LayerNorm = nn.LayerNorm(hidden_size)

            def forward(self, input_ids, token_type_ids=None):
                B, L = input_ids.shape
                if token_type_ids is None:
                    token_type_ids = torch.zeros(B, L, dtype=torch.long)
                pos = torch.arange(L).expand(B, L)
                x = sum(F.embedding(i, table.weight) for i, table in
                        [(input_ids, self.word_embeddings), (pos, self.position_embeddings), (token_type_ids, self.token_type_embeddings)])
                return F.layer_norm(x, (x.shape[-1],), self.LayerNorm.weight, self.LayerNorm.bias, self.eps)
    """,
}

EMB_STEP = """
    import torch
    from torch import nn

    class BertEmbeddings(nn.Module):
        def __init__(self, vocab_size, hidden_size, max_position_embeddings, type_vocab_size=2, layer_norm_eps=1e-12):
            super().__init__()
            self.word_embeddings = nn.Embedding(vocab_size, hidden_size)
            self.position_embeddings = nn.Embedding(max_position_embeddings, hidden_size)
            self.token_type_embeddings = nn.Embedding(type_vocab_size, hidden_size)
            self.LayerNorm = nn.LayerNorm(hidden_size, eps=layer_norm_eps)
"""

EMBEDDINGS_WRONG = {
    "names the LayerNorm `layer_norm`": ("""
        import torch
        from torch import nn

        class BertEmbeddings(nn.Module):
            def __init__(self, vocab_size, hidden_size, max_position_embeddings, type_vocab_size=2, layer_norm_eps=1e-12):
                super().__init__()
                self.word_embeddings = nn.Embedding(vocab_size, hidden_size)
                self.position_embeddings = nn.Embedding(max_position_embeddings, hidden_size)
                self.token_type_embeddings = nn.Embedding(type_vocab_size, hidden_size)
                self.layer_norm = nn.LayerNorm(hidden_size, eps=layer_norm_eps)

            def forward(self, input_ids, token_type_ids=None):
                return self.layer_norm(self.word_embeddings(input_ids))
    """, "the statement names these but your module has none: LayerNorm.weight, LayerNorm.bias"),
    "positions counted from 1": (EMB_STEP + """
        def forward(self, input_ids, token_type_ids=None):
            if token_type_ids is None:
                token_type_ids = torch.zeros_like(input_ids)
            pos = torch.arange(1, input_ids.shape[1] + 1)
            return self.LayerNorm(self.word_embeddings(input_ids) + self.position_embeddings(pos) + self.token_type_embeddings(token_type_ids))
    """, "case: "),
    "crashes when token_type_ids is None": (EMB_STEP + """
        def forward(self, input_ids, token_type_ids=None):
            pos = torch.arange(input_ids.shape[1])
            return self.LayerNorm(self.word_embeddings(input_ids) + self.position_embeddings(pos) + self.token_type_embeddings(token_type_ids))
    """, "TypeError"),
    "scales the word embeddings by sqrt(D) as the Transformer paper does": (EMB_STEP + """
        def forward(self, input_ids, token_type_ids=None):
            if token_type_ids is None:
                token_type_ids = torch.zeros_like(input_ids)
            pos = torch.arange(input_ids.shape[1])
            words = self.word_embeddings(input_ids) * self.word_embeddings.embedding_dim ** 0.5
            return self.LayerNorm(words + self.position_embeddings(pos) + self.token_type_embeddings(token_type_ids))
    """, "differs"),
    "detaches the embeddings": (EMB_STEP + """
        def forward(self, input_ids, token_type_ids=None):
            if token_type_ids is None:
                token_type_ids = torch.zeros_like(input_ids)
            pos = torch.arange(input_ids.shape[1])
            x = self.word_embeddings(input_ids) + self.position_embeddings(pos) + self.token_type_embeddings(token_type_ids)
            return self.LayerNorm(x.detach())
    """, "gradients"),
    "a plain class that is not an nn.Module": ("""
        class BertEmbeddings:
            def __init__(self, *args, **kwargs):
                pass

            def __call__(self, input_ids, token_type_ids=None):
                return input_ids
    """, "is not a torch.nn.Module"),
}

LAYER = {
    "nn.ModuleDict blocks, one fused QKV matmul on the loaded weights": """
        import math
        import torch
        import torch.nn.functional as F
        from torch import nn

        def block(**parts):
            return nn.ModuleDict(parts)

        class TransformerEncoderLayer(nn.Module):
            def __init__(self, hidden_size, num_attention_heads, intermediate_size, layer_norm_eps=1e-12):
                super().__init__()
                D, h = hidden_size, num_attention_heads
                self.h = h
                self.attention = block(self=block(query=nn.Linear(D, D), key=nn.Linear(D, D), value=nn.Linear(D, D)),
                                       output=block(dense=nn.Linear(D, D), LayerNorm=nn.LayerNorm(D, eps=layer_norm_eps)))
                self.intermediate = block(dense=nn.Linear(D, intermediate_size))
                self.output = block(dense=nn.Linear(intermediate_size, D), LayerNorm=nn.LayerNorm(D, eps=layer_norm_eps))

            def forward(self, hidden_states, attention_mask=None):
                B, L, D = hidden_states.shape
                s = self.attention["self"]
                w = torch.cat([s["query"].weight, s["key"].weight, s["value"].weight])
                b = torch.cat([s["query"].bias, s["key"].bias, s["value"].bias])
                qkv = F.linear(hidden_states, w, b).view(B, L, 3, self.h, D // self.h).permute(2, 0, 3, 1, 4)
                q, k, v = qkv[0], qkv[1], qkv[2]
                scores = torch.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(D // self.h)
                if attention_mask is not None:
                    scores = scores + (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(scores.dtype).min
                ctx = torch.einsum("bhqk,bhkd->bqhd", scores.softmax(-1), v).reshape(B, L, D)
                out = self.attention["output"]
                a = out["LayerNorm"](out["dense"](ctx) + hidden_states)
                f = self.output["dense"](F.gelu(self.intermediate["dense"](a)))
                return self.output["LayerNorm"](f + a)
    """,
    "small classes mirroring BERT's, erf GELU by hand": """
        import math
        import torch
        from torch import nn

        class SelfAttention(nn.Module):
            def __init__(self, D, h):
                super().__init__()
                self.h = h
                self.query, self.key, self.value = nn.Linear(D, D), nn.Linear(D, D), nn.Linear(D, D)

            def forward(self, x, mask):
                B, L, D = x.shape
                split = lambda t: t.reshape(B, L, self.h, -1).permute(0, 2, 1, 3)
                q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
                s = q @ k.transpose(-1, -2) * (q.shape[-1] ** -0.5)
                if mask is not None:
                    s = s.masked_fill(~mask.bool()[:, None, None, :], -1e30)
                return (s.softmax(-1) @ v).permute(0, 2, 1, 3).reshape(B, L, D)

        class AddNorm(nn.Module):
            def __init__(self, d_in, D, eps):
                super().__init__()
                self.dense = nn.Linear(d_in, D)
                self.LayerNorm = nn.LayerNorm(D, eps=eps)

            def forward(self, h, residual):
                return self.LayerNorm(self.dense(h) + residual)

        class Attention(nn.Module):
            def __init__(self, D, h, eps):
                super().__init__()
                self.self = SelfAttention(D, h)
                self.output = AddNorm(D, D, eps)

            def forward(self, x, mask):
                return self.output(self.self(x, mask), x)

        class Intermediate(nn.Module):
            def __init__(self, D, d_ff):
                super().__init__()
                self.dense = nn.Linear(D, d_ff)

            def forward(self, x):
                z = self.dense(x)
                return 0.5 * z * (1 + torch.erf(z / math.sqrt(2)))

        class TransformerEncoderLayer(nn.Module):
            def __init__(self, hidden_size, num_attention_heads, intermediate_size, layer_norm_eps=1e-12):
                super().__init__()
                self.attention = Attention(hidden_size, num_attention_heads, layer_norm_eps)
                self.intermediate = Intermediate(hidden_size, intermediate_size)
                self.output = AddNorm(intermediate_size, hidden_size, layer_norm_eps)

            def forward(self, hidden_states, attention_mask=None):
                a = self.attention(hidden_states, attention_mask)
                return self.output(self.intermediate(a), a)
    """,
}

LAYER_STEP = """
    import math
    import torch
    import torch.nn.functional as F
    from torch import nn

    def norm_block(d_in, d_out, eps):
        m = nn.Module()
        m.dense = nn.Linear(d_in, d_out)
        m.LayerNorm = nn.LayerNorm(d_out, eps=eps)
        return m

    class TransformerEncoderLayer(nn.Module):
        def __init__(self, hidden_size, num_attention_heads, intermediate_size, layer_norm_eps=1e-12):
            super().__init__()
            self.h = num_attention_heads
            self.attention = nn.Module()
            self.attention.self = nn.Module()
            for name in ("query", "key", "value"):
                setattr(self.attention.self, name, nn.Linear(hidden_size, hidden_size))
            self.attention.output = norm_block(hidden_size, hidden_size, layer_norm_eps)
            self.intermediate = nn.Module()
            self.intermediate.dense = nn.Linear(hidden_size, intermediate_size)
            self.output = norm_block(intermediate_size, hidden_size, layer_norm_eps)

        def context(self, x, attention_mask):
            B, L, D = x.shape
            s = self.attention.self
            q, k, v = (t.view(B, L, self.h, D // self.h).transpose(1, 2) for t in (s.query(x), s.key(x), s.value(x)))
            scores = q @ k.transpose(-2, -1) / math.sqrt(D // self.h)
            if attention_mask is not None:
                scores = scores.masked_fill(attention_mask[:, None, None, :] == 0, float("-inf"))
            return (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, L, D)
"""

LAYER_WRONG = {
    "tanh-approximate GELU": (LAYER_STEP + """
        def forward(self, hidden_states, attention_mask=None):
            a = self.attention.output.LayerNorm(hidden_states + self.attention.output.dense(self.context(hidden_states, attention_mask)))
            return self.output.LayerNorm(a + self.output.dense(F.gelu(self.intermediate.dense(a), approximate="tanh")))
    """, "differs"),
    "no residual around the attention": (LAYER_STEP + """
        def forward(self, hidden_states, attention_mask=None):
            a = self.attention.output.LayerNorm(self.attention.output.dense(self.context(hidden_states, attention_mask)))
            return self.output.LayerNorm(a + self.output.dense(F.gelu(self.intermediate.dense(a))))
    """, "differs"),
    "uses nn.LayerNorm's default eps": ("""
        import math
        import torch
        import torch.nn.functional as F
        from torch import nn

        class TransformerEncoderLayer(nn.Module):
            def __init__(self, hidden_size, num_attention_heads, intermediate_size, layer_norm_eps=1e-12):
                super().__init__()
                self.h = num_attention_heads
                self.attention = nn.Module()
                self.attention.self = nn.Module()
                for name in ("query", "key", "value"):
                    setattr(self.attention.self, name, nn.Linear(hidden_size, hidden_size))
                self.attention.output = nn.Module()
                self.attention.output.dense = nn.Linear(hidden_size, hidden_size)
                self.attention.output.LayerNorm = nn.LayerNorm(hidden_size)
                self.intermediate = nn.Module()
                self.intermediate.dense = nn.Linear(hidden_size, intermediate_size)
                self.output = nn.Module()
                self.output.dense = nn.Linear(intermediate_size, hidden_size)
                self.output.LayerNorm = nn.LayerNorm(hidden_size)

            def forward(self, hidden_states, attention_mask=None):
                B, L, D = hidden_states.shape
                s = self.attention.self
                q, k, v = (t.view(B, L, self.h, D // self.h).transpose(1, 2) for t in (s.query(hidden_states), s.key(hidden_states), s.value(hidden_states)))
                scores = q @ k.transpose(-2, -1) / math.sqrt(D // self.h)
                if attention_mask is not None:
                    scores = scores.masked_fill(attention_mask[:, None, None, :] == 0, float("-inf"))
                ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, L, D)
                a = self.attention.output.LayerNorm(hidden_states + self.attention.output.dense(ctx))
                return self.output.LayerNorm(a + self.output.dense(F.gelu(self.intermediate.dense(a))))
    """, "differs"),
    "an extra bias-free output projection the statement does not name": (LAYER_STEP.replace(
        "            self.output = norm_block(intermediate_size, hidden_size, layer_norm_eps)",
        "            self.output = norm_block(intermediate_size, hidden_size, layer_norm_eps)\n"
        "            self.final = nn.Linear(hidden_size, hidden_size, bias=False)") + """
        def forward(self, hidden_states, attention_mask=None):
            a = self.attention.output.LayerNorm(hidden_states + self.attention.output.dense(self.context(hidden_states, attention_mask)))
            return self.final(self.output.LayerNorm(a + self.output.dense(F.gelu(self.intermediate.dense(a)))))
    """, "your module has these the statement does not name: final.weight"),
    "borrows nn.MultiheadAttention": (LAYER_STEP + """
        def forward(self, hidden_states, attention_mask=None):
            mha = nn.MultiheadAttention(hidden_states.shape[-1], self.h, batch_first=True)
            ctx, _ = mha(hidden_states, hidden_states, hidden_states)
            return ctx
    """, "torch.nn.MultiheadAttention is not allowed"),
    "masks the queries instead of the keys": (LAYER_STEP.replace(
        "attention_mask[:, None, None, :] == 0", "attention_mask[:, None, :, None] == 0") + """
        def forward(self, hidden_states, attention_mask=None):
            a = self.attention.output.LayerNorm(hidden_states + self.attention.output.dense(self.context(hidden_states, attention_mask)))
            return self.output.LayerNorm(a + self.output.dense(F.gelu(self.intermediate.dense(a))))
    """, "case: a padded batch"),
}

def capstone_source(replace: tuple[str, str] | None = None) -> str:
    from grading import PACK

    source = (PACK.exercises["capstone_bert"].folder / "solution.py").read_text()
    if replace:
        assert replace[0] in source
        source = source.replace(*replace)
    return source


CAPSTONE_WRONG = {
    "one layer object repeated, so its weights are shared": (
        ("            for _ in range(num_hidden_layers))",
         "            for _ in range(1))\n        self.encoder.layer = nn.ModuleList(list(self.encoder.layer) * num_hidden_layers)"),
        "differs"),
    "the encoder's layers in a plain list (not registered)": (
        ("self.encoder.layer = nn.ModuleList(", "self.encoder.layer = list("), "the statement names these but your module has none"),
    "returns only the sequence output": (
        ("return h, pooled", "return h"), "output should be a tuple of 2"),
    "pooled output before the last layer": (
        ("        for layer in self.encoder.layer:\n            h = layer(h, attention_mask)  # (B, L, D)\n        pooled = torch.tanh(self.pooler.dense(h[:, 0]))",
         "        pooled = torch.tanh(self.pooler.dense(h[:, 0]))\n        for layer in self.encoder.layer:\n            h = layer(h, attention_mask)  # (B, L, D)"), "output[1] differs"),
    "LayerNorm eps dropped in the layers": (
        ("TransformerEncoderLayer(hidden_size, num_attention_heads, intermediate_size, layer_norm_eps)",
         "TransformerEncoderLayer(hidden_size, num_attention_heads, intermediate_size)"), "case: one layer, defaults"),
    "imports transformers instead": (
        ("import math\n", "import math\nimport transformers\n"), "transformers"),
}


@pytest.mark.parametrize("name", EMBEDDINGS)
def test_embeddings_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("bert_embeddings", EMBEDDINGS[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", EMBEDDINGS_WRONG)
def test_embeddings_wrong_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = EMBEDDINGS_WRONG[name]
    verdict = verdict_of("bert_embeddings", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)


@pytest.mark.parametrize("name", LAYER)
def test_layer_correct_styles_pass(tmp_path, warm_pool, name):
    verdict = verdict_of("transformer_encoder_layer", LAYER[name], warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


@pytest.mark.parametrize("name", LAYER_WRONG)
def test_layer_wrong_fail_and_say_why(tmp_path, warm_pool, name):
    source, expected = LAYER_WRONG[name]
    verdict = verdict_of("transformer_encoder_layer", source, warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)


def capstone_model() -> str:
    """The reference solution's BertModel class, which assembles whatever parts sit above it."""
    return "class BertModel" + capstone_source().split("class BertModel", 1)[1]


@pytest.mark.parametrize("layer", LAYER)
@pytest.mark.parametrize("embeddings", EMBEDDINGS)
def test_capstone_assembled_from_any_correct_parts_passes(tmp_path, warm_pool, embeddings, layer):
    """The 'assemble' check: every pairing of the passing styles above, put together, is BERT."""
    parts = textwrap.dedent(EMBEDDINGS[embeddings]) + textwrap.dedent(LAYER[layer])
    verdict = verdict_of("capstone_bert", parts + "\nimport torch\nfrom torch import nn\n\n" + capstone_model(), warm_pool, tmp_path)
    assert verdict.passed, failures(verdict)


def test_capstone_starter_takes_the_learners_own_passing_parts(cli, tmp_path):
    """`exercise start capstone_bert` pastes in the learner's passing files, and those files,
    assembled, pass; a part that has not passed stays out and is named."""
    embeddings_style = "raw parameters indexed by hand, LayerNorm written out"
    layer_style = "small classes mirroring BERT's, erf GELU by hand"
    own = {"bert_embeddings": "from __future__ import annotations\n" + textwrap.dedent(EMBEDDINGS[embeddings_style]),
           "transformer_encoder_layer": LAYER[layer_style]}
    path = cli.json("exercise", "start", "bert_embeddings")["path"]
    Path(path).write_text(textwrap.dedent(own["bert_embeddings"]))
    assert cli.json("exercise", "run", "bert_embeddings")["passed"]
    path = cli.json("exercise", "start", "transformer_encoder_layer")["path"]
    Path(path).write_text(textwrap.dedent(LAYER_WRONG["tanh-approximate GELU"][0]))
    cli("exercise", "run", "transformer_encoder_layer", code=1)

    started = cli.json("exercise", "start", "capstone_bert")
    assert (started["parts_copied"], started["parts_missing"]) == (["bert_embeddings"], ["transformer_encoder_layer"])
    text = Path(started["path"]).read_text()
    assert textwrap.dedent(EMBEDDINGS[embeddings_style]).strip() in text and PARTS_LINE not in text
    assert "class TransformerEncoderLayer" not in text, "a part that has not passed is not copied"

    Path(path).write_text(textwrap.dedent(own["transformer_encoder_layer"]))
    assert cli.json("exercise", "run", "transformer_encoder_layer")["passed"]
    reset = cli.json("exercise", "reset", "capstone_bert")
    assert (reset["parts_copied"], reset["parts_missing"]) == (list(own), [])
    text = Path(reset["path"]).read_text()
    assert text.startswith("from __future__ import annotations\n"), "a __future__ import must open the file"
    assert all(textwrap.dedent(source).replace("from __future__ import annotations\n", "").strip() in text
               for source in own.values())
    assert cli.json("exercise", "run", "capstone_bert", code=1)["passed"] is False, "the starter's BertModel is a stub"
    Path(reset["path"]).write_text(text.split("class BertModel", 1)[0] + capstone_model())
    assert cli.json("exercise", "run", "capstone_bert")["passed"]


@pytest.mark.parametrize("name", CAPSTONE_WRONG)
def test_capstone_wrong_fail_and_say_why(tmp_path, warm_pool, name):
    replace, expected = CAPSTONE_WRONG[name]
    verdict = verdict_of("capstone_bert", capstone_source(replace), warm_pool, tmp_path)
    assert not verdict.passed
    assert expected in failures(verdict), failures(verdict)


def test_reference_parts_equal_transformers():
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    ours = bert_parts.BertModel(vocab_size=60, hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
                                intermediate_size=32, max_position_embeddings=20).eval()
    with torch.no_grad():
        for p in ours.parameters():
            p.add_(0.1 * torch.randn_like(p))
    config = transformers.BertConfig(vocab_size=60, hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
                                     intermediate_size=32, max_position_embeddings=20, layer_norm_eps=1e-12)
    theirs = transformers.BertModel(config).eval()
    loaded = theirs.load_state_dict(ours.state_dict(), strict=False)
    assert not loaded.unexpected_keys and all(k.endswith("_ids") for k in loaded.missing_keys)  # only HF's buffers
    ids = torch.randint(1, 60, (2, 9))
    segments = torch.tensor([[0] * 4 + [1] * 5, [0] * 9])
    mask = torch.tensor([[1] * 9, [1] * 6 + [0] * 3])
    with torch.no_grad():
        sequence, pooled = ours(ids, segments, mask)
        expected = theirs(input_ids=ids, token_type_ids=segments, attention_mask=mask)
        embedded = ours.embeddings(ids, segments)
        torch.testing.assert_close(embedded, theirs.embeddings(input_ids=ids, token_type_ids=segments), atol=1e-5, rtol=0)
    real = mask.bool()
    torch.testing.assert_close(sequence[real], expected.last_hidden_state[real], atol=1e-5, rtol=0)
    torch.testing.assert_close(pooled, expected.pooler_output, atol=1e-5, rtol=0)
