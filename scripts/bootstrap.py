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
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements"


def say(message: str) -> None:
    print(f"[bootstrap] {message}", flush=True)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def install_pip_from_pypi() -> None:
    """Install pip into the venv from its wheel on PyPI, checked against the SHA-256 PyPI publishes."""
    index = "https://pypi.org/pypi/pip/json"
    with urllib.request.urlopen(index, timeout=60) as response:
        release = json.load(response)
    wheel = next(f for f in release["urls"] if f["packagetype"] == "bdist_wheel")
    say(f"ensurepip is unavailable; installing pip {release['info']['version']} from PyPI")
    with urllib.request.urlopen(urllib.parse.urljoin(index, wheel["url"]), timeout=120) as response:  # noqa: S310
        content = response.read()
    if hashlib.sha256(content).hexdigest() != wheel["digests"]["sha256"]:
        raise SystemExit("[bootstrap] the downloaded pip wheel does not match PyPI's checksum")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / wheel["filename"]
        path.write_bytes(content)
        # A wheel is a zip with pip at its root, so pip can install itself from it.
        subprocess.run([str(venv_python()), f"{path}/pip", "install", "--no-index", "--quiet", str(path)], check=True)


def lock_digest(lock: Path) -> str:
    return hashlib.sha256(lock.read_bytes()).hexdigest()


def install(lock: Path) -> bool:
    """Install a lock file unless it is already installed; True when something was installed."""
    stamp = VENV / f".installed-{lock.stem}.sha256"
    digest = lock_digest(lock)
    if stamp.exists() and stamp.read_text().strip() == digest:
        say(f"{lock.relative_to(ROOT)} already installed in .venv (sha256 {digest[:12]})")
        return False
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
    return True


def normalized(name: str) -> str:
    """PEP 503 name normalisation: `zope.interface` and `Zope_Interface` are `zope-interface`."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def remove_unlocked(locks: list[Path]) -> None:
    """Uninstall packages no lock file names any more, so .venv matches the locks exactly."""
    wanted = {"pip", "setuptools", "wheel"}
    for lock in locks:
        for line in lock.read_text().splitlines():
            if line and not line.startswith((" ", "#", "-")) and "==" in line:
                wanted.add(normalized(line.split("==", 1)[0]))
    listing = subprocess.run(
        [str(venv_python()), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    stale = sorted(p["name"] for p in json.loads(listing) if normalized(p["name"]) not in wanted)
    if stale:
        say(f"removing packages no longer locked: {', '.join(stale)}")
        subprocess.run([str(venv_python()), "-m", "pip", "uninstall", "--yes", "--quiet", *stale], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", action="store_true", help="also install the benchmark tools")
    args = parser.parse_args()

    if sys.version_info < (3, 11):  # noqa: UP036 - this script must explain itself on older Pythons
        say(f"Python >= 3.11 is required, this is {sys.version.split()[0]}")
        return 1

    if not venv_python().exists():
        say(f"creating virtual environment at {VENV} with {sys.executable} ({sys.version.split()[0]})")
        if importlib.util.find_spec("ensurepip") is not None:
            venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
        else:
            # Debian/Ubuntu ship ensurepip separately (python3-venv); fetch pip itself from PyPI instead.
            venv.EnvBuilder(with_pip=False, clear=False).create(VENV)
            install_pip_from_pypi()
    else:
        say(f"using existing virtual environment at {VENV}")

    locks = [REQUIREMENTS / "dev.lock"]
    if args.bench or (VENV / ".installed-bench.sha256").exists():  # benchmark tools stay once installed
        locks.append(REQUIREMENTS / "bench.lock")
    installed = [install(lock) for lock in locks]
    if any(installed):
        remove_unlocked(locks)

    say("ready: run `.venv/bin/just --list` to see every recipe")
    return 0


if __name__ == "__main__":
    sys.exit(main())
