"""The benchmarks are one package, `scripts.bench`, whose modules import each other as modules: no `sys.path`
surgery, one `say`, and a --smoke mode on every benchmark (run end to end by test_smoke.py)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from scripts.bench import runner

PACKAGE = Path(runner.__file__).parent
BENCHMARKS = ("api", "feed", "realtime", "mentor", "rewards", "charts")


def sources() -> list[Path]:
    return sorted(PACKAGE.glob("*.py"))


def test_the_package_holds_the_runner_and_one_module_per_benchmark_with_the_k6_scripts_beside_them():
    assert {path.stem for path in sources()} == {"__init__", "runner", *BENCHMARKS}
    assert {path.name for path in PACKAGE.glob("*.js")} == {"api.js", "feed.js"}
    scripts = PACKAGE.parent
    assert not list(scripts.glob("bench*.py")), "the benchmarks live in scripts/bench/ only"


@pytest.mark.parametrize("path", sources(), ids=lambda path: path.name)
def test_no_module_touches_sys_path(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    touches = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "path"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    ]
    assert not touches, f"{path.name} uses sys.path on lines {touches}: import through the package instead"
    assert "E402" not in path.read_text(), f"{path.name} silences E402 (imports after code)"


def test_say_is_defined_once_in_the_runner():
    defined = {
        path.name
        for path in sources()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name == "say"
    }
    assert defined == {"runner.py"}


def str_(value) -> str:
    """An option's value as typed on the command line."""
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_smoke_replaces_the_defaults_and_explicit_options_still_apply(name: str):
    module = importlib.import_module(f"scripts.bench.{name}")
    full, smoke = module.parse_args([]), module.parse_args(["--smoke"])
    assert (full.smoke, smoke.smoke) == (False, True)
    given = module.parse_args(
        [part for option, value in module.SMOKE.items() for part in (f"--{option.replace('_', '-')}", str_(value))]
    )
    for option in module.SMOKE:
        assert getattr(smoke, option) == getattr(given, option) != getattr(full, option), option
    option = {"rewards": "contributors", "charts": "charts"}.get(name, "duration")
    assert getattr(module.parse_args(["--smoke", f"--{option}", "7"]), option) == 7


def test_a_smoke_run_has_its_own_database_and_results_directory():
    assert runner.bench_database("selflink_bench_feed", smoke=False) == "selflink_bench_feed"
    assert runner.bench_database("selflink_bench_feed", smoke=True) == "selflink_bench_feed_smoke"
