"""The learner's language: which one is in use, and the interface's own words in both.

Content carries its own `en`/`zh` texts; this module holds only the words of the interface
(headings, prompts, messages). `--lang`, then `BERTSTUDY_LANG`, then the locale decide.
"""

from __future__ import annotations

import os

from bertstudy.errors import UsageError

LANGS = ("en", "zh")
_current = "en"


def resolve(option: str | None = None) -> str:
    """The language to use: the option, else BERTSTUDY_LANG, else the locale, else English."""
    chosen = option or os.environ.get("BERTSTUDY_LANG")
    if chosen:
        chosen = chosen.lower()
        if chosen not in LANGS:
            raise UsageError(f"unknown language '{chosen}'; use one of: {', '.join(LANGS)}")
        return chosen
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def use(lang: str) -> None:
    global _current
    _current = lang


def current() -> str:
    return _current


def t(key: str, **values: object) -> str:
    """The interface string `key` in the current language, formatted with `values`."""
    en, zh = MESSAGES[key]
    return (zh if _current == "zh" else en).format(**values)


MESSAGES: dict[str, tuple[str, str]] = {
    # dashboard
    "dash.title": ("bertstudy: from deep-learning basics to BERT", "bertstudy：从深度学习基础到 BERT"),
    "dash.topics": ("Topics read", "已读主题"),
    "dash.due": ("Reviews due", "待复习"),
    "dash.exercises": ("Exercises passed", "已通过练习"),
    "dash.demos": ("Demos run", "已运行演示"),
    "dash.current": ("Current exercise", "当前练习"),
    "dash.next_exercise": ("Next exercise", "下一道练习"),
    "dash.next_exercise_is": ("{title}: `bertstudy exercise start {exercise}`", "{title}：`bertstudy exercise start {exercise}`"),
    "dash.next": ("Next step", "下一步"),
    "dash.done": ("Everything is done. Review with `bertstudy quiz --due`.", "全部完成。用 `bertstudy quiz --due` 复习。"),
    "next.review": ("{n} review(s) due: `bertstudy quiz --due`", "有 {n} 道题待复习：`bertstudy quiz --due`"),
    "next.read": ("Read the next topic: `bertstudy learn {topic}` ({title})", "阅读下一个主题：`bertstudy learn {topic}`（{title}）"),
    "next.quiz": ("Test yourself on {title}: `bertstudy quiz --topic {topic}`", "检验一下 {title}：`bertstudy quiz --topic {topic}`"),
    "next.exercise": ("Solve an exercise: `bertstudy exercise start {exercise}`", "做一道练习：`bertstudy exercise start {exercise}`"),
    # learn
    "learn.map": ("Curriculum", "课程地图"),
    "learn.topic": ("Topic", "主题"),
    "learn.minutes": ("min", "分钟"),
    "learn.needs": ("after", "前置"),
    "learn.formulas": ("Key formulas", "关键公式"),
    "learn.misconceptions": ("Common misconceptions", "常见误解"),
    "learn.resources": ("Resources", "参考资料"),
    "learn.try": ("Try it", "动手试试"),
    "learn.demo": ("Demo", "演示"),
    "learn.seconds": ("~{n} s", "约 {n} 秒"),
    "learn.quiz": ("Quiz", "测验"),
    "learn.exercise": ("Exercise", "练习"),
    "learn.questions": ("{n} question(s)", "{n} 道题"),
    "learn.legend": ("✓ read  ◐ started  · not yet", "✓ 已读  ◐ 已开始  · 未开始"),
    "learn.no_next": ("Every topic is read.", "所有主题都已读完。"),
    "learn.prereq": ("Prerequisites", "前置主题"),
    "learn.no_hits": ("No topic mentions all of these words.", "没有主题同时包含这些词。"),
    # quiz
    "quiz.none": ("No questions to ask right now.", "现在没有要回答的题目。"),
    "quiz.question": ("Question {i}/{n}", "第 {i}/{n} 题"),
    "quiz.answer": ("Your answer", "你的答案"),
    "quiz.choices_hint": ("Type the letter(s), e.g. B or A,C", "输入选项字母，例如 B 或 A,C"),
    "quiz.order_hint": ("Type the numbers in the right order, e.g. 3 1 2", "按正确顺序输入编号，例如 3 1 2"),
    "quiz.correct": ("Correct", "正确"),
    "quiz.partial": ("Partly right ({score:.0%})", "部分正确（{score:.0%}）"),
    "quiz.wrong": ("Not right", "不正确"),
    "quiz.model_answer": ("Model answer", "参考答案"),
    "quiz.supporting": ("supporting", "补充"),
    "quiz.why_asserted": ("sentence {n} states it", "第 {n} 句说到了"),
    "quiz.why_denied": ("sentence {n} denies it ('{cue}')", "第 {n} 句否定了它（“{cue}”）"),
    "quiz.why_reversed": ("sentence {n} states it the wrong way round ('{words}')", "第 {n} 句把它说反了（“{words}”）"),
    "quiz.why_listed": ("sentence {n} only names the terms in a list", "第 {n} 句只是罗列了术语，没有说明关系"),
    "quiz.why_unrelated": ("sentence {n} names it without the rest of the claim ('{words}' ...)", "第 {n} 句提到了，但缺少关系的另一半（“{words}”等）"),
    "quiz.why_missing": ("not stated", "没有说到"),
    "quiz.why_misconception": ("sentence {n}", "第 {n} 句"),
    "quiz.rate": ("How well did you know it? 1 again, 2 hard, 3 good, 4 easy", "你掌握得如何？1 忘了，2 困难，3 良好，4 简单"),
    "quiz.summary": ("Score {score:.1f} / {total}", "得分 {score:.1f} / {total}"),
    "quiz.stopped": ("Stopped. {n} answer(s) saved.", "已停止。已保存 {n} 个答案。"),
    "quiz.time_up": ("Time is up: the remaining questions count as unanswered.", "时间到：剩下的题目按未作答计。"),
    "quiz.exam_intro": ("Exam: {n} question(s){limit}. No feedback until the end.", "考试：{n} 道题{limit}。结束前不给反馈。"),
    "quiz.exam_limit": (", {m:g} minutes", "，限时 {m:g} 分钟"),
    "exam.title": ("Exam report", "考试报告"),
    "exam.score": ("Score", "得分"),
    "exam.review": ("Review these topics", "建议复习的主题"),
    "exam.saved": ("Report written to {path}.", "报告已写入 {path}。"),
    "quiz.check_score": ("Score {score:.0%}", "得分 {score:.0%}"),
    # exercises
    "ex.passed": ("PASSED", "通过"),
    "ex.failed": ("FAILED", "未通过"),
    "ex.started": ("Your copy is at {path}. Edit it, then run `bertstudy exercise run`.", "你的练习文件在 {path}。编辑后运行 `bertstudy exercise run`。"),
    "ex.exists": ("Your copy already exists at {path} (left untouched).", "你的练习文件已存在于 {path}（未改动）。"),
    "ex.parts_copied": ("Your passing {parts} are copied in: assemble them below.", "已复制你通过的 {parts}：在下面把它们组装起来。"),
    "ex.parts_missing": ("Not passed yet: {parts}. Pass them, then `bertstudy exercise reset {exercise}` copies them in (or paste your own).",
                         "尚未通过：{parts}。通过后运行 `bertstudy exercise reset {exercise}` 即可复制进来（或者自己粘贴）。"),
    "ex.reset": ("Restored the starter at {path} (your old file is at {backup}).", "已恢复初始代码到 {path}（旧文件保存在 {backup}）。"),
    "ex.hint": ("Hint {i}/{n}", "提示 {i}/{n}"),
    "ex.no_more_hints": ("That was the last hint.", "这是最后一条提示。"),
    "ex.solution_locked": ("The solution opens after you pass. Use --force to see it now (this is recorded).", "通过后才会显示答案。用 --force 立即查看（会被记录）。"),
    "ex.diagnosis": ("Likely mistake", "可能的错误"),
    "ex.printed": ("Your code printed:", "你的代码输出了："),
    "ex.next": ("Next: `bertstudy exercise hint` for a hint.", "下一步：`bertstudy exercise hint` 获取提示。"),
    "ex.watching": ("Watching {path}; every save is graded. h + Enter: a hint; q + Enter: quit.", "正在监视 {path}，每次保存都会评分。输入 h 回车：提示；q 回车：退出。"),
    "ex.moving_on": ("Next exercise: {id} ({title})", "下一道练习：{id}（{title}）"),
    "ex.solution_after_pass": ("Compare with the reference solution: `bertstudy exercise solution {id}`", "可与参考答案对照：`bertstudy exercise solution {id}`"),
    # progress
    "progress.title": ("Progress", "学习进度"),
    "progress.read": ("read", "已读"),
    "progress.demos": ("demos", "演示"),
    "progress.mastery": ("quiz mastery", "测验掌握度"),
    "progress.exercises": ("exercises", "练习"),
    "progress.leeches": ("{n} leech(es)", "{n} 道顽固题"),
    "progress.exported": ("Exported {n} record(s) to {path}.", "已导出 {n} 条记录到 {path}。"),
    "progress.imported": ("Imported {n} new record(s) from {path}.", "已从 {path} 导入 {n} 条新记录。"),
    # content
    "content.ok": ("{pack}: healthy ({topics} topics, {questions} questions, {exercises} exercises)", "{pack}：检查通过（{topics} 个主题，{questions} 道题，{exercises} 道练习）"),
    "content.warnings": ("{n} glossary warning(s) in {pack} (see its glossary.yaml); they do not fail the check",
                         "{pack} 中有 {n} 处术语警告（见 glossary.yaml）；警告不会使检查失败"),
    "content.problems": ("{n} problem(s) in {pack}", "{pack} 中有 {n} 个问题"),
    "content.ok_ungraded": ("{pack}: files and references are sound ({topics} topics, {questions} questions, {exercises} exercises); exercises not graded",
                            "{pack}：文件与引用检查通过（{topics} 个主题，{questions} 道题，{exercises} 道练习）；未对练习评分"),
    "content.untrusted": ("Not graded: {pack} is not trusted, and grading runs this Python of it in bertstudy's own process, with your rights:",
                          "未评分：{pack} 未被信任，而评分会在 bertstudy 自己的进程里以你的权限运行它的这些 Python 代码："),
    "content.changed": ("Not graded: {pack} changed since you trusted it, and grading runs this Python of it in bertstudy's own process, with your rights:",
                        "未评分：{pack} 在你信任之后有改动，而评分会在 bertstudy 自己的进程里以你的权限运行它的这些 Python 代码："),
    "content.trust_hint": ("Read them, then `bertstudy content trust {pack}` (or add --trust to grade once).",
                           "读过之后运行 `bertstudy content trust {pack}`（或加上 --trust 只评这一次）。"),
    "content.trusted": ("Trusted {pack} as it is now (digest {digest}); after a change to its Python, trust it again.",
                        "已信任当前状态的 {pack}（摘要 {digest}）；它的 Python 代码改动后需要重新信任。"),
    "content.will_run": ("Grading may run this Python of it in bertstudy's own process:", "评分时可能在 bertstudy 自己的进程里运行它的这些 Python 代码："),
    "content.no_code": ("None of its Python runs in bertstudy's own process (solutions and starters run only in the sandbox).",
                        "它的 Python 代码都不会在 bertstudy 自己的进程里运行（答案与初始代码只在沙箱里运行）。"),
    "content.builtin": ("The built-in pack is always trusted.", "内置内容包始终受信任。"),
    "content.revoked": ("No longer trusted: {pack}", "已取消信任：{pack}"),
    "content.none_trusted": ("No content pack is trusted (the built-in one always is).", "没有受信任的内容包（内置内容包始终受信任）。"),
    # demos
    "demo.ran": ("Demo finished in {seconds:.1f} s.", "演示完成，用时 {seconds:.1f} 秒。"),
    # what a demo's progress bar says it is doing
    "demo.step.training": ("training", "训练中"),
    "demo.step.pretraining": ("pre-training", "预训练中"),
    "demo.step.timing": ("timing", "计时中"),
    "demo.step.backpropagating": ("backpropagating", "反向传播中"),
    "demo.step.teacher": ("teacher", "教师模型"),
    "demo.step.student_distilled": ("student (distilled)", "学生模型（蒸馏）"),
    "demo.step.student_labels": ("student (labels only)", "学生模型（只用标签）"),
    "demo.step.fine_tuning_frozen": ("fine-tuning (frozen encoder)", "微调（冻结编码器）"),
    "demo.step.fine_tuning_full": ("fine-tuning (full)", "微调（全部参数）"),
    "demo.step.training_copy": ("training: copy", "训练：复制"),
    "demo.step.training_reverse": ("training: reverse", "训练：反转"),
    "draw.every": (", every {step}th", "，每 {step} 列取一列"),
    "draw.columns": ("columns {first} … {last}{every}; scale {scale}", "列 {first} … {last}{every}；刻度 {scale}"),
    "draw.log_scale": (" (log scale)", "（对数坐标）"),
    "demo.saved": ("Wrote {files}", "已写入 {files}"),
    "demo.no_matplotlib": ("PNG figures need matplotlib: pip install 'bertstudy[plots]' (wrote the JSON only).",
                           "PNG 图需要 matplotlib：pip install 'bertstudy[plots]'（这次只写入了 JSON）。"),
}
