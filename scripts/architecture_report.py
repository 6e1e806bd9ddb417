#!/usr/bin/env python3
"""The module map in numbers: lines per module, public names nobody uses, complex functions, the import graph.

    .venv/bin/python scripts/architecture_report.py [--json]
    .venv/bin/python scripts/architecture_report.py --module-map   # the table in docs/ARCHITECTURE.md

Read from the source with the standard library (plus `ruff` for complexity): what a reviewer checks before a
structural change and after it. Exits 1 when the module graph has a cycle or a public name has no consumer.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "modules"


def module_names() -> list[str]:
    return sorted(p.name for p in MODULES.iterdir() if (p / "__init__.py").exists())


def source_files(module: str) -> list[Path]:
    return sorted(p for p in (MODULES / module).rglob("*.py") if "migrations" not in p.parts)


def lines_per_module() -> dict[str, int]:
    return {m: sum(len(p.read_text().splitlines()) for p in source_files(m)) for m in module_names()}


def _imports(path: Path) -> list[tuple[str, str | None, list[str]]]:
    """(module imported from, submodule, names) for every `from modules.X[.sub] import …` in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("modules."):
            parts = node.module.split(".")
            names = [alias.name for alias in node.names]
            if len(parts) == 2:  # from modules.x import public
                for name in names:
                    found.append((parts[1], name, []))
            else:
                found.append((parts[1], parts[2], names))
    return found


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in module_names()}
    for module in module_names():
        for path in source_files(module):
            for target, _, _ in _imports(path):
                if target != module and target in graph:
                    graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle's node set, found by DFS from each node (small graphs only)."""
    found: set[tuple[str, ...]] = set()

    def visit(start: str, node: str, path: list[str]) -> None:
        for nxt in graph[node]:
            if nxt == start:
                found.add(tuple(sorted(path)))
            elif nxt not in path and nxt > start:
                visit(start, nxt, [*path, nxt])

    for start in graph:
        visit(start, start, [start])
    return [list(c) for c in sorted(found)]


def public_names(module: str) -> set[str]:
    path = MODULES / module / "public.py"
    if not path.exists():
        return set()
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return {elt.value for elt in node.value.elts}  # type: ignore[attr-defined]
    return {
        alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names
    }


def unused_public_names() -> dict[str, list[str]]:
    """Names a module's public.py exports that no *other* module's production code (nor the composition root,
    `selflink/`) uses."""
    used: dict[str, set[str]] = defaultdict(set)
    consumers = [(m, p) for m in module_names() for p in source_files(m)]
    consumers += [("selflink", p) for p in sorted((ROOT / "selflink").rglob("*.py"))]
    for module, path in consumers:
        if True:
            text = path.read_text()
            for target, sub, names in _imports(path):
                if target == module:
                    continue
                if sub == "public" and names:
                    used[target].update(names)
                elif sub == "public":  # `from modules.x import public as x`: attribute uses
                    alias = next(
                        (
                            a.asname or a.name
                            for n in ast.walk(ast.parse(text))
                            if isinstance(n, ast.ImportFrom) and n.module == f"modules.{target}"
                            for a in n.names
                            if a.name == "public"
                        ),
                        "public",
                    )
                    for node in ast.walk(ast.parse(text)):
                        if (
                            isinstance(node, ast.Attribute)
                            and isinstance(node.value, ast.Name)
                            and node.value.id == alias
                        ):
                            used[target].add(node.attr)
    return {m: sorted(public_names(m) - used[m]) for m in module_names() if public_names(m) - used[m]}


MODULE_MAP_START = "<!-- module-map:start (generated by scripts/architecture_report.py --module-map) -->"
MODULE_MAP_END = "<!-- module-map:end -->"


def module_layers() -> list[list[str]]:
    """The `module-layers` import-linter contract's layers, top first; each layer's modules in order."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "module-layers")
    return [[name.strip() for name in layer.replace(":", "|").split("|")] for layer in contract["layers"]]


def module_map() -> str:
    """The markdown table of the module graph: each module's layer (from the contract, top = 1) and the modules
    it imports today (from the code). import-linter proves the second never points up the first."""
    graph = import_graph()
    rows = ["| Layer | Module | Imports (today) |", "| ---: | --- | --- |"]
    for index, layer in enumerate(module_layers(), start=1):
        for module in layer:
            rows.append(f"| {index} | `{module}` | {', '.join(sorted(graph.get(module, ()))) or '—'} |")
    return "\n".join([MODULE_MAP_START, *rows, MODULE_MAP_END])


def complex_functions() -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "modules", "--select", "C901", "--output-format", "concise", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return [line for line in result.stdout.splitlines() if "C901" in line]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    parser.add_argument("--module-map", action="store_true", help="print the module map for docs/ARCHITECTURE.md")
    options = parser.parse_args(argv)
    if options.module_map:
        print(module_map())
        return 0
    graph = import_graph()
    report = {
        "lines": lines_per_module(),
        "unused_public_names": unused_public_names(),
        "complex_functions": complex_functions(),
        "import_graph": {m: sorted(deps) for m, deps in graph.items()},
        "cycles": cycles(graph),
    }
    if options.json:
        print(json.dumps(report, indent=2))
    else:
        print("lines per module (without migrations):")
        for module, count in report["lines"].items():
            print(f"  {module:<14} {count:>6}")
        print(f"  {'total':<14} {sum(report['lines'].values()):>6}")
        unused = report["unused_public_names"]
        print(f"public names with no consumer: {sum(len(v) for v in unused.values())}")
        for module, names in unused.items():
            print(f"  {module}: {', '.join(names)}")
        print(f"functions over ruff's complexity limit (C901): {len(report['complex_functions'])}")
        for line in report["complex_functions"]:
            print(f"  {line}")
        print("import graph (module -> modules it imports):")
        for module, deps in report["import_graph"].items():
            print(f"  {module:<14} {', '.join(deps) or '-'}")
        print(f"cycles: {report['cycles'] or 'none'}")
    return 1 if report["cycles"] or report["unused_public_names"] else 0


if __name__ == "__main__":
    sys.exit(main())
