"""Password hashing holds bounded memory: OWASP's Argon2id parameters and a per-process limit on hashes in flight;
older hashes still verify and are upgraded at the next sign-in. Counts, never timings. Issue 10."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, identify_hasher
from django.test import override_settings

from modules.accounts import hashers
from modules.accounts.hashers import SelfLinkArgon2PasswordHasher, hashing_pool, hashing_slots
from modules.accounts.models import User
from modules.core.public import ServiceUnavailable
from tests.factories import DEFAULT_PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_HASHER = "modules.accounts.hashers.SelfLinkArgon2PasswordHasher"


def test_parameters_are_owasp_argon2id():
    encoded = SelfLinkArgon2PasswordHasher().encode("correct horse battery", "0123456789abcdef")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    decoded = SelfLinkArgon2PasswordHasher().decode(encoded)
    assert decoded["memory_cost"] * 1024 == 19 * 1024 * 1024  # 19 MiB, not Django's 100 MiB
    assert (decoded["time_cost"], decoded["parallelism"]) == (2, 1)
    assert SelfLinkArgon2PasswordHasher().verify("correct horse battery", encoded)
    assert not SelfLinkArgon2PasswordHasher().verify("wrong", encoded)


@pytest.mark.parametrize(
    ("web_processes", "hashing_threads"),
    [("1", len(os.sched_getaffinity(0))), ("64", 1), ("", len(os.sched_getaffinity(0)))],
)
def test_production_settings_use_it(web_processes, hashing_threads):
    """The production hasher, and by default one hashing thread per CPU of the process's share (the supervisor
    says in WEB_CONCURRENCY how many web processes share the CPUs)."""
    code = "import json, selflink.settings as s; print(json.dumps([s.PASSWORD_HASHERS, s.PASSWORD_HASH_CONCURRENCY]))"
    env = {
        "WEB_CONCURRENCY": web_processes,
        "PATH": os.environ.get("PATH", ""),
        "SELFLINK_ENV": "production",
        "SECRET_KEY": "k" * 50,
        "ALLOWED_HOSTS": "selflink.example",
        "DATABASE_URL": "postgres://u:p@db/selflink",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f'[["{PRODUCTION_HASHER}"], {hashing_threads}]'


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=[PRODUCTION_HASHER])
def test_a_hash_with_djangos_default_costs_verifies_and_is_upgraded_at_sign_in(anon):
    legacy = Argon2PasswordHasher().encode(DEFAULT_PASSWORD, "legacysaltlegacysalt")
    assert "m=102400,t=2,p=8" in legacy  # what accounts were hashed with before
    user = UserFactory(email="old@example.com")
    User.objects.filter(id=user.id).update(password=legacy)
    assert isinstance(identify_hasher(legacy), SelfLinkArgon2PasswordHasher)

    response = anon.post("/auth/login/", {"email": "old@example.com", "password": DEFAULT_PASSWORD})
    assert response.status == 200, response
    upgraded = User.objects.get(id=user.id).password
    assert upgraded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password(DEFAULT_PASSWORD, upgraded)
    assert anon.post("/auth/login/", {"email": "old@example.com", "password": DEFAULT_PASSWORD}).status == 200


class BlockingArgon2:
    """Stands in for the Argon2 computation: counts callers inside it and holds them until released."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.inside = 0
        self.most_inside = 0
        self.release = threading.Event()
        self.armed = True  # False: pass through without holding (to set up users)

    def encode(self, password, salt):  # patched onto the class as a bound method: no hasher argument
        with self.lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        assert not self.armed or self.release.wait(60)
        with self.lock:
            self.inside -= 1
        return f"argon2$argon2id$v=19$m=19456,t=2,p=1${salt}$fake"

    def verify(self, password, encoded):
        self.encode(password, "verify")
        return True


@pytest.fixture
def blocking(monkeypatch):
    fake = BlockingArgon2()
    monkeypatch.setattr(Argon2PasswordHasher, "encode", fake.encode)
    monkeypatch.setattr(Argon2PasswordHasher, "verify", fake.verify)
    monkeypatch.setattr(hashing_slots, "peak", 0)
    yield fake
    fake.release.set()


def wait_until(predicate, what: str) -> None:
    """Poll a condition on counters (no assertion on time: the deadline only turns a hang into a failure)."""
    deadline = time.monotonic() + 60
    while not predicate():
        assert time.monotonic() < deadline, f"never reached: {what}"
        time.sleep(0.005)


@override_settings(PASSWORD_HASH_CONCURRENCY=2, PASSWORD_HASH_WAIT_SECONDS=60)
def test_no_more_than_the_limit_hash_at_once(blocking):
    callers = 6
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda n=n: results.append(SelfLinkArgon2PasswordHasher().encode("pw", f"salt{n}")))
        for n in range(callers)
    ]
    for thread in threads:
        thread.start()
    # Every caller is either hashing or queued for a slot: exactly two hash, four wait.
    wait_until(lambda: blocking.inside + hashing_slots.waiting == callers, "all callers hashing or queued")
    assert (blocking.inside, hashing_slots.waiting) == (2, callers - 2)
    blocking.release.set()
    for thread in threads:
        thread.join(60)
    assert len(results) == callers  # the queued ones were served, none refused
    assert blocking.most_inside == 2
    assert hashing_slots.peak == 2


@override_settings(PASSWORD_HASH_CONCURRENCY=4, PASSWORD_HASH_WAIT_SECONDS=0)
def test_a_legacy_hash_needs_the_memory_of_several(blocking):
    """Verifying a 100 MiB hash takes the slots of ~6 current ones (capped at all 4): with one slot busy it waits."""
    holder = threading.Thread(target=lambda: SelfLinkArgon2PasswordHasher().encode("pw", "holdersalt"))
    holder.start()
    wait_until(lambda: blocking.inside == 1, "the holder is hashing")
    encoded = "argon2$argon2id$v=19$m=102400,t=2,p=8$bGVnYWN5c2FsdGxlZ2FjeQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"
    with pytest.raises(ServiceUnavailable):
        SelfLinkArgon2PasswordHasher().verify("pw", encoded)
    current = "argon2$argon2id$v=19$m=19456,t=2,p=1$bGVnYWN5c2FsdGxlZ2FjeQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"
    verifier = threading.Thread(target=lambda: SelfLinkArgon2PasswordHasher().verify("pw", current))
    verifier.start()  # one current-parameter hash fits beside the holder
    wait_until(lambda: blocking.inside == 2, "a current hash runs beside the holder")
    blocking.release.set()
    holder.join(60)
    verifier.join(60)


@pytest.mark.django_db
@override_settings(PASSWORD_HASH_CONCURRENCY=1, PASSWORD_HASH_WAIT_SECONDS=0)
def test_a_sign_in_over_the_limit_is_a_503_with_retry_after(anon, blocking):
    blocking.armed = False
    UserFactory(email="ana@example.com")
    blocking.armed = True
    holder = threading.Thread(target=lambda: SelfLinkArgon2PasswordHasher().encode("pw", "holdersalt"))
    holder.start()
    wait_until(lambda: blocking.inside == 1, "the only slot is taken")
    response = anon.post("/auth/login/", {"email": "ana@example.com", "password": DEFAULT_PASSWORD})
    assert response.status == 503, response
    assert response.json()["code"] == "sign_in_busy"
    assert int(response.headers["Retry-After"]) == hashers.BUSY_RETRY_AFTER_SECONDS
    blocking.release.set()
    holder.join(60)
    assert anon.post("/auth/login/", {"email": "ana@example.com", "password": DEFAULT_PASSWORD}).status == 200


# --- the memory of hashing: only the hashing threads hold it (issue 12) ----------------------------------------------


@override_settings(PASSWORD_HASH_CONCURRENCY=3, PASSWORD_HASH_WAIT_SECONDS=60)
def test_every_hash_runs_on_the_few_hashing_threads():
    """Whoever asks, the hashing happens on PASSWORD_HASH_CONCURRENCY threads of the pool: only they ever hold
    Argon2 memory (glibc keeps a freed block in the arena of the thread that used it)."""
    hasher = SelfLinkArgon2PasswordHasher()
    encoded = hasher.encode("pw", "saltsaltsalt")
    hashing_pool.threads.clear()
    callers: set[int] = set()
    results: list[bool] = []

    def sign_in() -> None:
        callers.add(threading.get_ident())
        results.extend(hasher.verify("pw", encoded) for _ in range(2))

    threads = [threading.Thread(target=sign_in) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == [True] * 24
    assert 1 <= len(hashing_pool.threads) <= 3
    assert not hashing_pool.threads & callers


MEMORY_PROBE = """
import json, threading
import django
from django.conf import settings

settings.configure(
    PASSWORD_HASH_CONCURRENCY=4, PASSWORD_HASH_WAIT_SECONDS=60, USE_TZ=True, DATABASES={},
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "modules.core"],
)
django.setup()
from modules.accounts.hashers import SelfLinkArgon2PasswordHasher


def kib(field):
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(field + ":"))


hasher = SelfLinkArgon2PasswordHasher()
encoded = hasher.encode("correct horse battery", "0123456789abcdef")  # production cost: 19 MiB
before = kib("VmRSS")
threads = [
    threading.Thread(target=lambda: [hasher.verify("correct horse battery", encoded) for _ in range(2)])
    for _ in range(16)
]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({"before": before, "peak": kib("VmHWM"), "after": kib("VmRSS")}))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the process's memory from /proc")
def test_concurrent_sign_ins_hold_at_most_the_hashing_threads_memory():
    """16 concurrent callers × 2 verifies with production parameters: the process grows by about the memory of
    PASSWORD_HASH_CONCURRENCY hashes (4 × 19 MiB = 76 MiB; 76-133 MiB measured, more when a hashing thread's
    malloc arena is shared with other threads and fragments), not by one block per caller's arena (304 MiB, every
    time, when the callers hashed in their own threads). Memory, not time; the bound is twice the slots' memory."""
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    memory = json.loads(result.stdout)
    grown_mib = (memory["peak"] - memory["before"]) / 1024
    assert grown_mib <= 2 * 4 * 19, memory
