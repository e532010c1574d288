"""The static half of the forbidden-operation check: an AST scan of the learner's file.

It flags a forbidden name used as an attribute (`F.softmax`, `x.softmax`) or imported (`from
torch.nn.functional import softmax`), imports of bertstudy, torch's private internals through which
a built-in could be reached, and dynamic code (eval, exec, __import__, importlib). A bare name is
the learner's own (their function or helper may share a built-in's name), since importing the
built-in is flagged where it happens. The child's runtime guard is the other half: it catches a
forbidden function reached through a computed name (`getattr(F, "soft" + "max")`).
"""

from __future__ import annotations

import ast

PRIVATE_TORCH = {"_C", "_VF", "_ops", "ops", "_nn", "_refs", "_decomp", "_prims", "_torch_docs"}
DYNAMIC = {"eval", "exec", "compile", "__import__", "importlib", "__builtins__", "builtins"}


def scan(source: str, forbidden: list[str]) -> list[str]:
    """Problems found in `source`, each a sentence with its line; empty when clean."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return [f"line {exc.lineno}: syntax error: {exc.msg}"]
    banned: dict[str, list[str]] = {}
    for name in forbidden:
        banned.setdefault(name.rsplit(".", 1)[-1], []).append(name)
    problems: set[tuple[int, str]] = set()

    def flag(node: ast.AST, message: str) -> None:
        problems.add((getattr(node, "lineno", 0), message))

    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Name):
            if node.id in DYNAMIC or node.id in PRIVATE_TORCH:
                names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            targets = [module] if module else []
            targets += [alias.name for alias in node.names]
            for target in targets:
                if target.split(".")[0] == "bertstudy":
                    flag(node, "a submission may not import bertstudy (the answer key)")
                if target.split(".")[0] in DYNAMIC:
                    flag(node, f"importing {target} is not allowed in exercises")
            names = [part for target in targets for part in target.split(".")]
        for name in names:
            if name in banned:
                full = banned[name]
                what = full[0] if len(full) == 1 else f"{name} ({', '.join(full)})"
                flag(node, f"{what} is not allowed in this exercise; write it yourself")
            elif name in PRIVATE_TORCH:
                flag(node, f"torch internals ({name}) are not allowed in exercises")
            elif name in DYNAMIC:
                flag(node, f"{name} is not allowed in exercises")
    return [f"line {line}: {message}" for line, message in sorted(problems)]
