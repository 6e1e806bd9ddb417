#!/usr/bin/env python3
"""Create the project's virtual environment and install the locked dependencies.

Runs with nothing but Python >= 3.11 and the standard library, as root or as a
normal user. Idempotent: when `.venv` already matches the lock file it only
says so. Usage:

    python3 scripts/bootstrap.py            # dev + test tooling (requirements/dev.lock)
    python3 scripts/bootstrap.py --bench    # also the load-testing tool (requirements/bench.lock)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements"


def say(message: str) -> None:
    print(f"[bootstrap] {message}", flush=True)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def lock_digest(lock: Path) -> str:
    return hashlib.sha256(lock.read_bytes()).hexdigest()


def install(lock: Path) -> None:
    stamp = VENV / f".installed-{lock.stem}.sha256"
    digest = lock_digest(lock)
    if stamp.exists() and stamp.read_text().strip() == digest:
        say(f"{lock.relative_to(ROOT)} already installed in .venv (sha256 {digest[:12]})")
        return
    say(f"installing {lock.relative_to(ROOT)} into .venv (hash-checked, no other packages)")
    subprocess.run(
        [
            str(venv_python()),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "--quiet",
            "--require-hashes",
            "--no-deps",
            "-r",
            str(lock),
        ],
        check=True,
    )
    stamp.write_text(digest + "\n")
    say(f"installed {lock.relative_to(ROOT)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", action="store_true", help="also install the benchmark tools")
    args = parser.parse_args()

    if sys.version_info < (3, 11):  # noqa: UP036 - this script must explain itself on older Pythons
        say(f"Python >= 3.11 is required, this is {sys.version.split()[0]}")
        return 1

    if not venv_python().exists():
        say(f"creating virtual environment at {VENV} with {sys.executable} ({sys.version.split()[0]})")
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    else:
        say(f"using existing virtual environment at {VENV}")

    install(REQUIREMENTS / "dev.lock")
    if args.bench:
        install(REQUIREMENTS / "bench.lock")

    say("ready: run `.venv/bin/just --list` to see every recipe")
    return 0


if __name__ == "__main__":
    sys.exit(main())
