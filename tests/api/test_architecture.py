"""Module boundaries are enforced by import-linter; prove that a violation is caught."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
        ("modules/core/pagination.py", "from modules.accounts.public import UserSummary", "shared kernel"),
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
