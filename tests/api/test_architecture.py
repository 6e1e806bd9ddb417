"""Module boundaries are enforced by import-linter; prove that a violation is caught."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import architecture_report

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def run_lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("arch") / "project"
    shutil.copytree(
        ROOT,
        target,
        ignore=shutil.ignore_patterns(
            ".venv", ".local", ".git", "node_modules", "clients", "__pycache__", ".pytest_cache"
        ),
    )
    return target


def test_contracts_hold_on_the_real_code():
    result = run_lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("file", "line", "contract"),
    [
        ("modules/social/selectors.py", "from modules.accounts.models import User", "public interface"),
        ("modules/profiles/services.py", "import selflink.settings", "composition root"),
        ("modules/core/pagination.py", "from modules.accounts.public import UserSummary", "module graph"),
        # notifications sits below social: it asks through hooks.py, it never imports social
        ("modules/notifications/services.py", "from modules.social.public import user_cards", "module graph"),
        # siblings in one layer never import each other
        ("modules/rewards/services.py", "from modules.posts.public import post_create", "module graph"),
        # a service may use another module's HTTP surface no more than its models
        ("modules/messaging/services.py", "from modules.social.http import UserCardOut", "public interface"),
        ("modules/posts/selectors.py", "from modules.posts import services", "inside a module"),
        ("modules/media/models.py", "from modules.media.selectors import media_grouped", "inside a module"),
    ],
)
def test_a_violating_import_breaks_the_build(project_copy, file, line, contract):
    path = project_copy / file
    original = path.read_text()
    try:
        path.write_text(f"{line}  # deliberate violation\n{original}")
        result = run_lint(project_copy)
        assert result.returncode != 0
        assert "BROKEN" in result.stdout
        assert contract in result.stdout.lower() or contract in result.stdout
    finally:
        path.write_text(original)


def test_a_module_missing_from_the_module_graph_breaks_the_build(project_copy):
    new_module = project_copy / "modules" / "charts"
    new_module.mkdir()
    try:
        (new_module / "__init__.py").write_text("")
        result = run_lint(project_copy)
        assert result.returncode != 0
        assert "modules.charts" in result.stdout
    finally:
        shutil.rmtree(new_module)


def test_the_module_map_in_the_architecture_doc_is_the_contract_and_the_code():
    """docs/ARCHITECTURE.md's module table is generated from the `module-layers` contract and the imports."""
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    start, end = doc.index(architecture_report.MODULE_MAP_START), doc.index(architecture_report.MODULE_MAP_END)
    in_doc = doc[start : end + len(architecture_report.MODULE_MAP_END)]
    assert in_doc == architecture_report.module_map(), (
        "docs/ARCHITECTURE.md's module map is out of date: "
        "paste the output of `.venv/bin/python scripts/architecture_report.py --module-map`"
    )


def test_every_module_is_placed_in_the_module_graph():
    placed = sorted(m for layer in architecture_report.module_layers() for m in layer)
    assert placed == architecture_report.module_names()
