"""The free-text grader judges claims: negation and its scope in English and Chinese, contrast,
relations that need their words together, reversed direction, lists of terms, and the verdict."""

from __future__ import annotations

import pytest

from bertstudy.content.schema import Concept, Misconception, Rubric, Text
from bertstudy.quiz import claims, rubric

T = Text("x", "x")
RUBRIC = Rubric(
    concepts=[
        Concept("variance", T, all=[["variance", "方差", "dot products"], ["re:\\bd_?k\\b", "dimension", "维度"],
                                    ["re:grow|increas|larger", "增大", "变大", "越大"]],
                reversed=["re:variance (shrinks|decreases)", "方差随维度减小"]),
        Concept("saturation", T, any=["saturat", "one hot", "饱和"]),
        Concept("gradients", T, any=["re:gradients? .{0,20}(vanish|tiny|small)", "梯度消失", "梯度很小"], required=False),
        Concept("encoder-unmasked", T, any=["not:re:encoder.{0,40}causal mask", "编码器.{0,10}双向"], required=False),
    ],
    misconceptions=[Misconception("sum-one", T, any=["re:(so that|to make) (the )?weights sum to (one|1)", "权重之和为 1"])],
)


def graded(answer):
    return rubric.grade(RUBRIC, answer)


def status(answer, point):
    return next(p.status for p in graded(answer).points if p.id == point)


@pytest.mark.parametrize("answer", [
    "The variance of q·k grows with d_k, so the softmax saturates and the gradients vanish.",
    "var: dot products grow with dimension -> softmax saturates",
    "点积的方差随维度 d_k 增大，softmax 饱和，梯度消失。",
    "It is not to make the weights sum to one: the variance grows with d_k and the softmax saturates.",
    "不是为了让权重之和为 1，而是因为维度越大方差越大，softmax 会饱和。",
    "Without the scale, dot products grow with d_k, and the softmax saturates.",
])
def test_correct_answers_pass_terse_or_full_with_or_without_negated_wrong_ideas(answer):
    assert graded(answer).correct, [(p.id, p.status) for p in graded(answer).points]


@pytest.mark.parametrize("answer, point, cue", [
    ("It is NOT because the variance grows with d_k, and the softmax saturates.", "variance", "not"),
    ("The softmax saturates; the variance never grows with d_k.", "variance", "never"),
    ("The variance grows with d_k, but it has nothing to do with saturation.", "saturation", "nothing to do with"),
    ("The variance grows with d_k. Saturation is irrelevant.", "saturation", "irrelevant"),
    ("The variance grows with d_k. Saturation is not the reason.", "saturation", "is not the reason"),
    ("The variance grows with d_k. Saturation of the softmax never shows up.", "saturation", "never shows up"),
    ("The variance grows with d_k rather than saturating the softmax.", "saturation", "rather than"),
    ("It has nothing to do with variance growing with d_k, softmax saturation, or gradients.", "saturation", "nothing to do with"),
    ("不是因为方差随维度增大，softmax 会饱和。", "variance", "不是"),
    ("方差随维度增大，和饱和无关。", "saturation", "无关"),
    ("方差随维度增大，softmax 并不会饱和。", "saturation", "并不"),
    ("方差随维度增大，softmax 没有饱和。", "saturation", "没有"),
    ("方差随维度增大，而非 softmax 饱和。", "saturation", "而非"),
    ("方差随维度增大；并非饱和所致。", "saturation", "并非"),
])
def test_a_denied_point_is_not_credited_and_the_cue_is_named(answer, point, cue):
    result = graded(answer)
    found = next(p for p in result.points if p.id == point)
    assert not result.correct and found.status == "denied" and found.cue == cue


@pytest.mark.parametrize("answer", [
    "variance, d_k, dimension, softmax, saturation, gradients",
    "Key ideas: variance, dimension, growth, saturation.",
    "方差、维度、增大、饱和、梯度消失",
])
def test_a_list_of_terms_asserts_nothing(answer):
    result = graded(answer)
    assert not result.correct and "asserted" not in {p.status for p in result.points}
    assert "listed" in {p.status for p in result.points}


def test_a_relation_needs_its_parts_in_one_sentence():
    assert status("The variance is large. The dimension is 64. Things grow.", "variance") == "unrelated"
    assert status("The variance grows with the dimension.", "variance") == "asserted"


@pytest.mark.parametrize("answer, hint", [
    ("The variance is large. Things grow.", "dimension"),  # a word, not the regular expression before it
    ("方差变大了。", "维度"),  # in the answer's language
])
def test_a_point_found_in_part_names_a_readable_word_of_the_missing_part(answer, hint):
    found = next(p for p in graded(answer).points if p.id == "variance")
    assert (found.status, found.words) == ("unrelated", hint)


def test_the_wrong_direction_fails_even_beside_the_right_words():
    result = graded("The variance shrinks as d_k grows, so the softmax saturates.")
    assert status("The variance shrinks as d_k grows, so the softmax saturates.", "variance") == "reversed"
    assert not result.correct and result.score < 1


def test_misconceptions_count_only_when_asserted():
    assert [m.id for m in graded("We scale so that the weights sum to one.").misconceptions] == ["sum-one"]
    assert graded("It is not to make the weights sum to one.").misconceptions == []
    assert [m.id for m in graded("除以 √d_k 是为了让权重之和为 1。").misconceptions] == ["sum-one"]
    assert graded("除以 √d_k 不是为了让权重之和为 1。").misconceptions == []
    wrong = graded("The variance grows with d_k and the softmax saturates, so that the weights sum to one.")
    assert not wrong.correct and wrong.score == pytest.approx(0.5)


def test_a_not_phrase_is_asserted_where_it_stands_negated():
    assert status("The encoder has no causal mask.", "encoder-unmasked") == "asserted"
    assert status("The encoder uses a causal mask.", "encoder-unmasked") == "denied"


def test_partial_credit_weighs_required_points_over_supporting_ones():
    assert graded("The softmax saturates and the gradients vanish.").score == pytest.approx(0.75 * 0.5 + 0.25 * 0.5)
    assert graded("no idea").score == 0
    assert graded("The variance grows with d_k, so the softmax saturates.").score == 1


def test_pseudo_negations_and_conditionals_do_not_negate():
    assert graded("Not only does the variance grow with d_k, the softmax also saturates.").correct
    assert graded("If we do not scale, the variance grows with d_k and the softmax saturates.").correct
    assert graded("不同的头关注不同的子空间；方差随维度增大，softmax 饱和。").correct
    assert graded("无论如何，方差随维度增大，softmax 饱和。").correct


def test_sentences_split_on_both_languages_punctuation_but_not_on_decimals_or_abbreviations():
    split = claims.sentences("e.g. p = 0.5 here. 第二句。第三句；fourth! fifth")
    assert [s.index for s in split] == [1, 2, 3, 4, 5]
    assert split[0].text == "e.g. p = 0.5 here."


def test_a_contraction_ends_a_sentence_but_an_initial_does_not():
    assert len(claims.sentences("With Adam they aren't. torch.optim.AdamW decays the weights.")) == 2
    assert len(claims.sentences("The forget g. keeps the cell.")) == 1


@pytest.mark.parametrize("answer, point", [
    ("The variance does not grow with d_k and the softmax never saturates.", "saturation"),
    ("The variance does not grow with d_k and the softmax never saturates.", "variance"),
    ("方差不会随维度增大，而且 softmax 也不会饱和。", "saturation"),
    ("方差不会随维度增大而且 softmax 也不会饱和。", "variance"),
])
def test_two_denials_joined_by_and_deny_both_instead_of_cancelling(answer, point):
    assert status(answer, point) == "denied" and not graded(answer).correct


def test_a_denial_ends_before_a_new_predicate_and_a_double_negation_still_cancels():
    assert status("The softmax does not fix it and is saturated.", "saturation") == "asserted"
    assert status("The softmax does not stay calm or saturate.", "saturation") == "denied"
    assert status("不是没有饱和。", "saturation") == "asserted"


def test_a_potential_complement_negates_only_itself():
    sentence = claims.sentences("RNN 记不住长距离依赖，softmax 饱和")[0]
    assert [(c.text, sentence.norm[slice(*c.scope)]) for c in sentence.cues] == [("不", "住")]
    assert status("模型训不动是因为 softmax 饱和。", "saturation") == "asserted"


def test_a_cue_inside_double_quotes_is_a_mention_not_a_denial():
    assert [c.text for c in claims.sentences('The score is not a "no signal" class.')[0].cues] == ["not"]
    assert status('Large scores saturate the softmax, so the "nothing learns" regime begins.', "saturation") == "asserted"
    assert status('Large scores do "not" matter: nothing saturates.', "saturation") == "denied"
    assert [c.text for c in claims.sentences("它不是“没有实体”这一类")[0].cues] == ["不是"]


def test_an_identifier_is_one_term_in_a_list():
    assert claims.sentences("清洗、小写、max_input_chars_per_word、[CLS]、id")[0].listing
    assert not claims.sentences("长度超过 max_input_chars_per_word 的词整个变成 [UNK]")[0].listing


@pytest.mark.parametrize("answer, scope", [
    ("The -100 isn't an extra class - it's PyTorch's ignore_index", " an extra class"),
    ("Positions are no longer sinusoidal — they come from a learned table", " sinusoidal"),
    ("双向不是把两个模型拼起来——那是 ELMo 的做法", "把两个模型拼起来"),
    ("The gradient is not 1 - p here", " 1 - p here"),  # a minus sign is not a dash between clauses
])
def test_a_dash_between_clauses_ends_a_denial(answer, scope):
    sentence = claims.sentences(answer)[0]
    assert [sentence.norm[slice(*c.scope)] for c in sentence.cues] == [scope]


def test_it_is_not_true_that_denies_what_follows():
    assert status("It is not true that large scores saturate the softmax.", "saturation") == "denied"


def test_an_attributive_wuguan_denies_only_what_it_modifies():
    sentence = claims.sentences("给出和句子长度无关的定长表示")[0]
    assert [sentence.norm[slice(*c.scope)] for c in sentence.cues] == ["和句子长度"]
    assert status("softmax 饱和与方差随维度增大无关。", "variance") == "denied"


@pytest.mark.parametrize("sentence, listing", [
    ("显存随 batch、seq len、层数线性增长", False),
    ("LN 与 batch 无关，小 batch、变长序列都没问题", False),
    ("方差、维度、增大、饱和、梯度消失", True),  # a relation word standing alone is one more term
    ("NotNext，随机文档，话题，连贯性，捷径，SOP", True),  # 随机 is not 随
    ("设 q、k 各分量独立、方差为 1，则 q·k 的方差为 d_k", False),  # 则: then
    ("Adam+L2 时，衰减项要除以 √v，A 只剩 0.001，B 变成 1", False),  # a worked example's results
    ("attn @ v 得 (B,h,L,D/h)，转回来 contiguous().view(B,L,D)，再过 W_o，输出 (B,L,D)", False),  # @ multiplies: an expression, not a term
    ("自注意力为 O(n²d)、O(1)、O(1)，循环层为 O(nd²)、O(n)、O(n)", False),  # 为: is
    ("作为输入、训练行为、dropout、认为", True),  # 作为, 行为, 认为 hold 为 but are no relation
])
def test_a_chinese_relation_inside_an_item_makes_a_claim_not_a_list(sentence, listing):
    assert claims.sentences(sentence)[0].listing is listing


def test_the_sum_sign_reads_as_sigma():
    assert claims.sentences("db = ∑ₙ G")[0].norm == claims.sentences("db = Σₙ G")[0].norm


def test_a_chinese_comma_before_a_clause_that_opens_in_latin_script_ends_a_denial():
    sentence = claims.sentences("路径长度不是 O(1)，RNN 的梯度也不会消失")[0]
    assert [(c.text, sentence.norm[slice(*c.scope)]) for c in sentence.cues] == [("不是", " o(1)"), ("不会", "消失")]


def test_a_narrow_chinese_cue_stops_at_shi_when():
    sentence = claims.sentences("无 PE 时 self-attn 看不出词序；没有时序信息")
    assert [sentence[0].norm[slice(*c.scope)] for c in sentence[0].cues][0] == " pe "
    assert [sentence[1].norm[slice(*c.scope)] for c in sentence[1].cues] == ["时序信息"]


def test_product_and_partial_signs_are_kept():
    assert claims.sentences("∂h_t/∂h_k = ∏ diag(1−h²)·W_hh")[0].norm.startswith("∂h_t/∂h_k = ∏")


def test_a_one_character_chinese_denial_stops_at_the_enumeration_comma():
    sentence = claims.sentences("无 NSP、直接 512")[0]
    assert [sentence.norm[slice(*c.scope)] for c in sentence.cues] == [" nsp"]
    sentence = claims.sentences("没有方差、饱和或梯度的问题")[0]  # a wide cue denies the whole list
    assert [sentence.norm[slice(*c.scope)] for c in sentence.cues] == ["方差 饱和或梯度的问题"]


@pytest.mark.parametrize("written, typo", [
    ("saturaton", True), ("saturatoin", True), ("saturationn", True), ("unsaturation", False),
    ("desaturationn", False), ("saturation", False), ("situations", False),
])
def test_a_long_word_matches_with_one_typo_not_two(written, typo):
    assert rubric._one_typo("saturation", written) is typo


def test_a_colon_ends_a_denial_and_an_abbreviation_does_not_end_a_sentence():
    sentence = claims.sentences("W^O isn't just a reshape back: concatenating the heads gives d_model")[0]
    assert [sentence.norm[slice(*c.scope)] for c in sentence.cues] == [" just a reshape back"]
    assert len(claims.sentences("norms < 1 → exp. decay of the gradient")) == 1


def test_a_phrase_with_a_regex_gap_after_its_negation_still_spells_it_out():
    assert claims.mentions_negation(r"\bno\s+grad") and not claims.mentions_negation(r"\bgrad\w*")


def test_a_wide_chinese_denial_of_what_something_means_reaches_its_clause():
    sentence = claims.sentences("这不代表微调时也要分词")[0]
    assert [sentence.norm[slice(*c.scope)] for c in sentence.cues] == ["微调时也要分词"]


def test_an_aside_in_parentheses_ends_a_denial_but_a_formula_does_not():
    sentence = claims.sentences("No NSP (RoBERTa: no gain once inputs are full)")[0]
    assert [sentence.norm[slice(*c.scope)] for c in sentence.cues] == [" nsp", " gain once inputs are full"]
    sentence = claims.sentences("The cost is not O(n) per layer")[0]
    assert [sentence.norm[slice(*c.scope)] for c in sentence.cues] == [" o(n) per layer"]


@pytest.mark.parametrize("sentence, listing", [
    ("GPT 只看左侧、能给出整句概率、能生成", False),  # modal 能 and 只看 relate
    ("性能、功能、能力、可能性", True),  # 能 inside a noun is not a relation
    ("乘 V 得 (B,h,L,d)，transpose 回 (B,L,h,d)，得到 (B,L,D)", False),  # a shape is one term beside its verb
    ("不能直接 view、要 reshape、contiguous", False),  # a sentence that denies something is not a bare list
    ("path length O(1) vs O(n), hidden state, vanishing gradients, recurrence", True),  # O(n) is one term
    ("softmax、交叉熵、logits、链式法则、p − y、误差", True),  # 则 in 法则 relates nothing
    ("无标注语料，MLM，NSP，有标注数据，分类头，lr 2e-5", True),  # 无标注 (unlabelled) denies nothing
    ("去掉 NSP 后，SQuAD、MNLI、RACE 上的结果持平或略有提升", False),  # 持平, 提升: a result
    ("向量捕捉语义/句法相似度、类比关系", False),  # 捕捉: what the vectors do
])
def test_verb_chains_shapes_and_denials_are_claims_not_lists(sentence, listing):
    assert claims.sentences(sentence)[0].listing is listing


def test_a_denial_joined_to_the_next_one_covers_its_whole_list():
    sentence = claims.sentences("You don't load it with RobertaTokenizer or RobertaModel and there is no byte-level BPE")[0]
    assert [sentence.norm[slice(*c.scope)] for c in sentence.cues][0] == " load it with robertatokenizer or robertamodel "


@pytest.mark.parametrize("answer, listing", [
    ("bidirectional; causal mask; MLM; autoregressive; NER", [True] * 5),  # ; ends a sentence, not the list
    ("交叉熵｜exp｜负对数似然｜测试集｜分支因子", [True]),
    ("cloze · deep bidirectional · see itself · LTR baseline · SQuAD", [True]),
    ("var ∝ d_k; softmax saturates; grads vanish", [False] * 3),
    ("+ seg emb (A/B, pair shares one encoder); + [CLS] (slot for a sequence vector), [SEP]", [False, False]),
    ("too big and activations blow up or saturate, too small and they fade to zero", [False]),  # they: a clause
    ("GPT, by contrast, masks out the future and only looks left", [False]),  # a contrast: a clause
    ("look-ahead mask, upper triangular, -inf, teacher forcing, next token", [True]),  # look: a term here
    ("CoNLL-2003 — feature-based — top four layers — BiLSTM — F1", [True]),  # dashes between terms
    ('no-op; attention sink; periods & commas; "attention is not explanation"', [True] * 4),  # a quoted title
])
def test_terms_over_semicolons_or_bars_on_one_line_are_one_list(answer, listing):
    assert [s.listing for s in claims.sentences(answer)] == listing


@pytest.mark.parametrize("sentence, listing", [
    ("生成器 判别器 替换 二分类 15% 样本效率 [MASK]", True),  # Chinese terms parted by spaces alone
    ("后四层 拼接 BiLSTM CoNLL-2003 F1 特征抽取", True),
    ("NaN loss... grad norm... clip_grad_norm_... learning rate", True),  # an ellipsis parts items
    ("BERT - GPT - T5 - cross-attention - causal mask", True),  # so does a hyphen between spaces
    ("loss = 1 - p - q", False),  # a minus in a formula: = relates the terms
    ("梯度会累加 所以要清零", False),  # two clauses parted by a space still say something
    ("用 softmax 算 attention 权重", False),  # spaces around Latin words part no terms
    ("x: (B, L, D)   # the input, dh = D // h", False),  # a wide gap before a comment parts nothing
])
def test_spaces_between_chinese_terms_or_an_ellipsis_part_a_list(sentence, listing):
    assert claims.sentences(sentence)[0].listing is listing


@pytest.mark.parametrize("sentence, listing", [
    ("WordPiece 贪心最长匹配：john、house、s、johan、##son", False),  # the heading says what the items are
    ("Keywords: variance, dimension, growth, saturation", True),  # a generic heading says nothing
    ("Main points: variance, dimension, growth, saturation", True),
])
def test_only_a_generic_heading_leaves_a_list_of_terms_a_list(sentence, listing):
    assert claims.sentences(sentence)[0].listing is listing


def test_a_heading_reaches_over_semicolons_to_the_end_of_its_line():
    answer = "add：segment emb；[CLS]、[SEP]、pretrain 时学的\n方差、维度、饱和、梯度"
    assert [s.listing for s in claims.sentences(answer)] == [False, False, True]


def test_a_single_capital_before_a_full_stop_ends_a_sentence_unless_it_abbreviates():
    split = claims.sentences("It doesn't show that B continues A. The negatives come from another document.")
    assert [s.text for s in split] == ["It doesn't show that B continues A.", "The negatives come from another document."]
    assert len(claims.sentences("forget g. → scales c, e. g. keep w.p. ε")) == 1


def test_a_bar_ends_a_denial_and_not_equal_keeps_its_meaning():
    sentence = claims.sentences("深度双向（attn 不加因果mask）｜GPT：单向")[0]
    assert [sentence.norm[slice(*c.scope)] for c in sentence.cues] == ["加因果 mask"]
    assert "≠" in claims.sentences("high weight != important")[0].norm


@pytest.mark.parametrize("answer, reported", [
    ("很多人以为用 BERT-wwm 就得先用 LTP 分词，其实不用", "用 bert wwm 就得先用 ltp 分词"),
    ("A common mix-up is that BERT is frozen during fine-tuning, but every weight trains", " bert is frozen during fine tuning "),
    ("Many people think the variance shrinks with d_k", " the variance shrinks with d_k"),
])
def test_a_belief_reported_as_others_is_not_asserted(answer, reported):
    sentence = claims.sentences(answer)[0]
    assert [sentence.norm[slice(*c.scope)] for c in sentence.cues][:1] == [reported]


@pytest.mark.parametrize("answer", ["所以为了训练更快", "可以为每个词算一个分数", "I think the variance grows with d_k"])
def test_a_belief_of_ones_own_or_a_word_holding_yiwei_is_no_cue(answer):
    assert claims.sentences(answer)[0].cues == ()


def test_a_warning_denies_what_follows_and_a_yes_no_question_is_no_denial():
    sentence = claims.sentences("别指望非结构化剪枝能让延迟减半")[0]
    assert [sentence.norm[slice(*c.scope)] for c in sentence.cues] == ["非结构化剪枝能让延迟减半"]
    assert claims.sentences("判别器判断每个词是不是原来的")[0].cues == ()
    sentence = claims.sentences("别用 RobertaModel 加载")[0]
    assert [sentence.norm[slice(*c.scope)] for c in sentence.cues] == [" robertamodel 加载"]
    assert claims.sentences("类别用 one-hot 表示")[0].cues == ()  # 别 inside 类别 warns of nothing
    denied = claims.sentences("主模型不判断每个词是不是原来的")[0]
    assert [c.text for c in denied.cues] == ["不"]


def test_not_necessarily_denies_and_an_unseen_word_is_a_term():
    sentence = claims.sentences("仅编码器也不一定要双向注意力")[0]
    assert [sentence.norm[slice(*c.scope)] for c in sentence.cues] == ["要双向注意力"]
    assert claims.sentences("词级词表也能处理没见过的词")[0].cues == ()


def test_a_heading_of_up_to_thirty_characters_says_what_its_items_are():
    assert not claims.sentences("fine-tune, same for all: 21,128 char vocab, BertTokenizer, raw text, Bert* classes")[0].listing
    assert claims.sentences("attention, heads, softmax, scaling, layer norm")[0].listing
    assert len(claims.sentences("LN → activ. scale stable")) == 1


SPELLED = Rubric(
    concepts=[Concept("why-ln", T, any=[
        "re:(padding|填充).{0,30}(不稳定|不靠谱|噪声大|noisy|not reliable)",  # spells a negation among its endings
        "re:(不依赖|doesn't depend on|does not depend on).{0,20}(batch|批量)"])],
    misconceptions=[],
)


@pytest.mark.parametrize("answer, asserted", [
    ("padding 让 batch 统计量噪声大", True),
    ("padding 不会让 batch 统计量噪声大", False),  # 不会 stands in the gap: it denies the claim
    ("有 padding 时 BatchNorm 的统计量不稳定", True),  # 不稳定 is the phrase's own negation
    ("LayerNorm doesn't depend on the batch", True),
    ("LayerNorm 不依赖 batch", True),
    ("padding never makes statistics noisy", False),
    ("with padding the batch statistics are not reliable", True),
])
def test_a_cue_the_phrase_does_not_spell_denies_it_and_one_it_spells_does_not(answer, asserted):
    assert (rubric.grade(SPELLED, answer).points[0].status == "asserted") is asserted


def test_a_shorter_match_may_stop_before_a_denial_of_something_else():
    gaps = Rubric(concepts=[Concept("parallel", T, any=["re:attention.{0,60}parallel"])], misconceptions=[])
    assert rubric.grade(gaps, "attention runs in parallel, an RNN does not run in parallel").correct
    assert not rubric.grade(gaps, "attention does not run in parallel").correct


def test_a_one_character_chinese_denial_stops_at_the_de_of_what_it_modifies_and_buzaiyu_reaches_its_clause():
    sentence = claims.sentences("梯度总有一条不经过连乘的直达通道")[0]
    assert [sentence.norm[slice(*c.scope)] for c in sentence.cues] == ["经过连乘"]
    sentence = claims.sentences("WordPiece 不把频率最高的 pair 合并")[0]  # 的 inside a coverb's object
    assert [sentence.norm[slice(*c.scope)] for c in sentence.cues] == ["把频率最高的 pair 合并"]
    sentence = claims.sentences("问题不在于维度太低，而在于一个词只有一个向量")[0]
    assert [sentence.norm[slice(*c.scope)] for c in sentence.cues] == ["维度太低"]
