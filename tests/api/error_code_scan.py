"""Find every error code the code can produce, by reading it (so a path no test reaches is checked too)."""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def _strings(node: ast.AST) -> Iterator[str]:
    """String constants an expression can evaluate to (through conditional expressions and `or`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _strings(value)


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def codes_in(tree: ast.AST) -> Iterator[tuple[str, int]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "code":
                    yield from ((s, node.lineno) for s in _strings(keyword.value))
            # ProviderError("provider_timeout", …): the code first, then the sentence.
            name = _name(node.func)
            if name.endswith("Error") and not hasattr(builtins, name) and node.args:
                yield from ((s, node.lineno) for s in _strings(node.args[0]) if CODE.match(s))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is not None and any(_name(t).lower().endswith("code") for t in targets):
                yield from ((s, node.lineno) for s in _strings(node.value))
            if isinstance(node.value, ast.Dict) and any(_name(t).endswith("CODES") for t in targets):
                yield from ((s, node.lineno) for v in node.value.values for s in _strings(v))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "code":
                    yield from ((s, node.lineno) for s in _strings(value))


def used_codes() -> dict[str, list[str]]:
    """code → where it is used (`path:line`), over every module except migrations."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "modules").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for code, line in codes_in(ast.parse(path.read_text(), str(path))):
            if CODE.match(code):
                found.setdefault(code, []).append(f"{path.relative_to(ROOT)}:{line}")
    return found
