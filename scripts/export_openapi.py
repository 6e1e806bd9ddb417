#!/usr/bin/env python3
"""Write the API's OpenAPI schema as stable, sorted JSON (`just openapi`). A test compares it with the code."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selflink.settings")


def render_schema() -> str:
    import django

    django.setup()
    from selflink.api import api

    return json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    target = ROOT / (sys.argv[1] if len(sys.argv) > 1 else "docs/openapi.json")
    text = render_schema()
    changed = not target.exists() or target.read_text() != text
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    operations = sum(len(item) for item in json.loads(text)["paths"].values())
    print(f"[openapi] {'wrote' if changed else 'unchanged'} {target.relative_to(ROOT)} ({operations} operations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
