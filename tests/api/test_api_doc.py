"""docs/API.md stays true: every endpoint it names exists, and every error code it names is registered."""

import re
from pathlib import Path

from modules.core.public import ERROR_CODES
from selflink.api import api

DOC = (Path(__file__).resolve().parents[2] / "docs" / "API.md").read_text()


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/") + "/")


def test_every_path_the_doc_names_exists():
    paths = {_shape(p.removeprefix("/api/v1")) for p in api.get_openapi_schema()["paths"]}
    named = set(re.findall(r"`(?:GET |POST |PATCH |DELETE |GET/PATCH )?(/[a-z_{}/.]+/)`", DOC))
    assert len(named) > 10
    missing = sorted(p for p in named if _shape(p) not in paths)
    assert missing == []


def test_every_code_the_doc_names_is_registered():
    codes = set(re.findall(r"(?:422|400|409) `([a-z_]+)`", DOC))
    assert codes and codes <= set(ERROR_CODES)
