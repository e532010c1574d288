"""The built-in pack is complete and consistent, item by item; broken packs get exact errors."""

from __future__ import annotations

import pytest

from bertstudy.content import glossary
from bertstudy.content import pack as packs
from bertstudy.content.schema import PARTS_LINE
from bertstudy.errors import ContentError
from bertstudy.exercises import health
from bertstudy.paths import builtin_pack

PACK = packs.load(builtin_pack())


def test_builtin_pack_has_no_problems():
    _, errors = packs.collect(builtin_pack())
    assert [str(e) for e in errors] == []


@pytest.mark.parametrize("topic", PACK.topics.values(), ids=lambda t: t.id)
def test_topic_is_bilingual_and_linked(topic):
    for text in (topic.title, topic.summary, topic.notes, *topic.misconceptions, *(f.label for f in topic.formulas)):
        assert text.en.strip() and text.zh.strip()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in topic.notes.zh), "the Chinese notes contain no Chinese"
    assert "$" not in topic.notes.en + topic.notes.zh, "notes must read in a terminal, not as LaTeX"
    assert all(d in PACK.demos for d in topic.demos)
    assert all(e in PACK.exercises for e in topic.exercises)
    assert all(p in PACK.topics for p in topic.prerequisites)


def test_prerequisites_form_a_dag():
    order = [t.id for t in PACK.ordered_topics()]
    assert sorted(order) == sorted(PACK.topics)
    for topic in PACK.topics.values():
        assert all(order.index(p) < order.index(topic.id) for p in topic.prerequisites)


@pytest.mark.parametrize("question", PACK.questions.values(), ids=lambda q: q.id)
def test_question_is_bilingual_and_sourced(question):
    assert question.prompt.en.strip() and question.prompt.zh.strip()
    assert question.model_answer.en.strip() and question.model_answer.zh.strip()
    assert question.source.strip()
    for choice in question.choices or []:
        assert choice.explain.en.strip() and choice.explain.zh.strip()


@pytest.mark.parametrize("exercise", PACK.exercises.values(), ids=lambda e: e.id)
def test_exercise_files_exist(exercise):
    assert (exercise.folder / "starter.py").is_file()
    assert (exercise.folder / "solution.py").is_file()
    assert "TODO" in (exercise.folder / "starter.py").read_text()
    for mistake in exercise.mistakes:
        assert exercise.mistake_source(mistake).strip()  # its own file, or solution.py patched
    assert exercise.hints and all(h.en and h.zh for h in exercise.hints)
    assert [str(problem) for problem in health.files(exercise)] == []  # what `content check` reads without grading


def test_every_topic_question_kind_is_exercised_by_attention():
    kinds = {q.kind for q in PACK.questions_of("attention")}
    assert len(kinds) >= 5


GLOSSARY, _ = glossary.load(builtin_pack())


def test_builtin_pack_follows_its_glossary():
    problems, warnings = glossary.check(builtin_pack())
    assert [str(p) for p in problems] == [] and [str(w) for w in warnings] == []


@pytest.mark.parametrize("text, term", [
    ("预测时用 S·T_i + E·T_j 给候选片段打分。", "answer-span"),
    ("“无答案”就是起点和终点都在 [CLS] 的片段。", "answer-span"),
    ("常见词保持完整，罕见词用片段拼出来（unaffable → un ##aff ##able）。", "subword"),
    ("全词掩码：一个词被选中，它的所有片段一起被选中。", "subword"),
    ("截断 BPTT 把序列切成长度为 k 的片段，隐状态传给下一个片段。", "bptt-chunk"),
])
def test_glossary_flags_a_word_used_for_another_terms_idea(text, term):
    found = glossary.misuses(GLOSSARY, text)
    assert found and {u.term.id for _, u in found} == {term}
    assert all(text[at:at + 2] == "片段" for at, _ in found)


@pytest.mark.parametrize("text", [
    "SQuAD 中问题作为片段 A，篇章作为片段 B，起点和终点在篇章内。",
    "片段嵌入区分 A 和 B；WordPiece 子词各自查词嵌入。",
    "NotNext 的片段来自另一篇文档，话题一变答案就暴露了。",
    "句对超长时，每次从较长的片段删一个词元。",
    "Segments A and B are told apart by the segment embedding.",
])
def test_glossary_leaves_segments_alone(text):
    assert glossary.misuses(GLOSSARY, text) == []


def test_content_check_warns_on_glossary_misuse_without_failing(cli, pack_copy):
    path = pack_copy / "curriculum" / "rnn.yaml"
    text = path.read_text(encoding="utf-8")
    assert "隐状态传给下一个分块" in text
    path.write_text(text.replace("隐状态传给下一个分块", "隐状态传给下一个片段"), encoding="utf-8")
    data = cli.json("content", "check", str(pack_copy), "--no-grading")
    assert data["ok"]
    (warning,) = data["warnings"]
    assert warning.startswith("curriculum/rnn.yaml:") and "notes.zh" in warning and "分块" in warning
    (pack_copy / "glossary.yaml").write_text("format_version: 1\nterms:\n  - id: x\n    en: x\n", encoding="utf-8")
    problems = cli.json("content", "check", str(pack_copy), "--no-grading", code=1)["problems"]
    assert any(p.startswith("glossary.yaml:") and "zh" in p for p in problems)


# -- broken packs -----------------------------------------------------------------------


def _first_error(root):
    _, errors = packs.collect(root)
    assert errors, "expected a problem"
    return errors[0]


def test_yaml_syntax_error_names_file_line_and_key(pack_copy):
    path = pack_copy / "curriculum" / "attention.yaml"
    lines = path.read_text().splitlines()
    lines.insert(3, "minutes: [45")  # an unclosed flow list
    path.write_text("\n".join(lines) + "\n")
    error = _first_error(pack_copy)
    assert error.file == "curriculum/attention.yaml"
    assert error.line is not None and error.line >= 4
    assert error.key
    assert "YAML syntax error" in str(error)


def test_missing_translation_is_reported_at_its_key(pack_copy):
    path = pack_copy / "curriculum" / "attention.yaml"
    text = path.read_text()
    start = text.index("title:")
    zh_line = text.index("  zh:", start)
    end = text.index("\n", zh_line)
    path.write_text(text[:zh_line] + text[end + 1:])
    error = _first_error(pack_copy)
    assert (error.file, error.key) == ("curriculum/attention.yaml", "title.zh")
    assert error.line == text[:start].count("\n") + 1
    assert "missing" in str(error)


def test_unknown_key_and_wrong_type(pack_copy):
    path = pack_copy / "curriculum" / "attention.yaml"
    path.write_text(path.read_text().replace("minutes: 45", "minutes: forty\ncolour: red"))
    _, errors = packs.collect(pack_copy)
    messages = {e.key: str(e) for e in errors}
    assert "expected a whole number" in messages["minutes"]
    assert "unknown key" in messages["colour"]


def test_dangling_reference(pack_copy):
    path = pack_copy / "curriculum" / "attention.yaml"
    path.write_text(path.read_text().replace("prerequisites: [seq2seq]", "prerequisites: [sequence-to-sequence]"))
    error = _first_error(pack_copy)
    assert (error.file, error.key) == ("curriculum/attention.yaml", "prerequisites[0]")
    assert "no topic 'sequence-to-sequence' exists" in str(error)


def test_builds_on_names_other_exercises_and_the_starter_keeps_the_parts_line(pack_copy):
    folder = pack_copy / "exercises" / "capstone_bert"
    spec = folder / "exercise.yaml"
    spec.write_text(spec.read_text().replace("builds_on: [bert_embeddings, transformer_encoder_layer]",
                                             "builds_on: [bert_embedding, transformer_encoder_layer]"))
    error = _first_error(pack_copy)
    assert (error.file, error.key) == ("exercises/capstone_bert/exercise.yaml", "builds_on[0]")
    assert "no other exercise 'bert_embedding' exists" in str(error)

    spec.write_text(spec.read_text().replace("bert_embedding,", "bert_embeddings,"))
    starter = folder / "starter.py"
    starter.write_text(starter.read_text().replace(PARTS_LINE, "# paste here"))
    pack, errors = packs.collect(pack_copy)
    assert not errors
    problems = health.files(pack.exercises["capstone_bert"])  # found before any grading
    assert [p.key for p in problems] == ["builds_on"] and PARTS_LINE in str(problems[0])


def test_a_mistake_patch_must_quote_the_solution_exactly_once(pack_copy):
    folder = pack_copy / "exercises" / "capstone_bert"
    solution = folder / "solution.py"
    solution.write_text(solution.read_text().replace("h = layer(h, attention_mask)", "h = block(h, attention_mask)"))
    pack, errors = packs.collect(pack_copy)
    assert not errors
    exercise = pack.exercises["capstone_bert"]
    problems = health.files(exercise)  # found before any grading, like a missing mistake file
    assert [p.key for p in problems] == ["mistakes[0].patch[0].replace"]
    assert "does not occur in solution.py" in str(problems[0])

    solution.write_text(solution.read_text().replace("h = block(h, attention_mask)", "h = layer(h, attention_mask)"))
    fixed = solution.read_text().replace("torch.tanh(self.pooler.dense(h[:, 0]))", "torch.tanh(self.pooler.dense(h[:, 0].clone()))")
    solution.write_text(fixed)  # a fix to the solution reaches the mistakes that do not touch it
    mistake = next(m for m in exercise.mistakes if m.id == "segments_ignored")
    assert exercise.mistake_source(mistake) == fixed.replace("self.embeddings(input_ids, token_type_ids)", "self.embeddings(input_ids)")
    assert health.files(exercise)[0].key == "mistakes[1].patch[0].replace"  # pooler_without_tanh quotes the old line


def test_prerequisite_cycle(pack_copy):
    path = pack_copy / "curriculum" / "attention.yaml"
    text = path.read_text()
    path.write_text(text.replace("prerequisites: [seq2seq]", "prerequisites: [echo]"))
    echo = text.replace("id: attention", "id: echo").replace("prerequisites: [seq2seq]", "prerequisites: [attention]")
    (pack_copy / "curriculum" / "echo.yaml").write_text(echo)
    _, errors = packs.collect(pack_copy)
    assert any("cycle: attention -> echo -> attention" in str(e) or "cycle: echo -> attention -> echo" in str(e) for e in errors)


def test_single_choice_needs_exactly_one_correct(pack_copy):
    path = pack_copy / "quizzes" / "attention.yaml"
    text = path.read_text()
    path.write_text(text.replace("correct: false", "correct: true", 1))
    error = _first_error(pack_copy)
    assert error.file == "quizzes/attention.yaml"
    assert error.key == "questions[0].choices"
    assert "exactly one correct" in str(error)


def test_the_pack_cache_follows_every_edit(pack_copy):
    first = packs.load(pack_copy)
    path = pack_copy / "curriculum" / "attention.yaml"
    path.write_text(path.read_text().replace("minutes: 45", "minutes: 46"))
    assert packs.load(pack_copy).topics["attention"].minutes == 46 != first.topics["attention"].minutes
    packs._cache_file(pack_copy).write_bytes(b"not a pickle")
    assert packs.load(pack_copy).topics["attention"].minutes == 46
    path.write_text(path.read_text().replace("minutes: 46", "minutes: [46"))
    with pytest.raises(ContentError):
        packs.load(pack_copy)


def test_a_demo_finding_needs_both_languages_and_the_same_values(pack_copy):
    path = pack_copy / "demos" / "mlp-learns.yaml"
    text = path.read_text()
    path.write_text(text.replace("训练集准确率从 {before:.0%}", "训练集准确率从 {start:.0%}"))
    error = _first_error(pack_copy)
    assert (error.file, error.key) == ("demos/mlp-learns.yaml", "findings.trained")
    assert "both must show the same values" in str(error)

    start = text.index("    zh:", text.index("  trained:"))
    path.write_text(text[:start] + text[text.index("\n", start) + 1:])
    error = _first_error(pack_copy)
    assert (error.file, error.key) == ("demos/mlp-learns.yaml", "findings.trained.zh")
    assert "missing" in str(error)


def test_a_pack_cannot_add_a_demo_bertstudy_does_not_have(pack_copy):
    source = pack_copy / "demos" / "masks.yaml"
    (pack_copy / "demos" / "my-demo.yaml").write_text(source.read_text().replace("id: masks", "id: my-demo"))
    error = _first_error(pack_copy)
    assert (error.file, error.key) == ("demos/my-demo.yaml", "id")
    assert "bertstudy has no demo bertstudy.demos.my_demo" in str(error)
