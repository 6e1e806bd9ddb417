"""Password hashing with bounded memory: OWASP's Argon2id parameters, a per-process limit on hashes in flight, and
a few threads of its own that do all the hashing.

Django's default Argon2 costs 100 MiB per hash (m=102400 KiB, t=2, p=8): 32 concurrent sign-ins took one daphne
process to ~2.4 GB. Here a hash costs 19 MiB (OWASP Password Storage Cheat Sheet, Argon2id: m=19456 KiB, t=2, p=1)
and at most `PASSWORD_HASH_CONCURRENCY` hashes' worth of memory is in use per process at once. A request that
cannot get a slot within `PASSWORD_HASH_WAIT_SECONDS` is answered 503 with `Retry-After` (`sign_in_busy`)
instead of queueing without bound.

Bounding the hashes in flight is not enough to bound the process's memory (issue 12: 32 concurrent sign-ins still
took a process from 115 to 668 MiB with 4 slots). Argon2 allocates its 19 MiB with malloc, and glibc keeps a freed
block of that size in the arena of the thread that used it (above the first such free, its mmap threshold rises to
the block's size) rather than returning it to the system. When every request thread hashes in turn, each of up to
8 × CPUs arenas keeps a block or more. So the hashing runs on `PASSWORD_HASH_CONCURRENCY` threads of its own
(`_HashingPool`): a request thread takes a slot, hands the hash to the pool and waits. Only those threads ever
hold Argon2 memory, each one block at a time, which is reused by the next hash instead of faulted in anew.

Maximum hashing memory per process: `PASSWORD_HASH_CONCURRENCY` × 19 MiB in use (76 MiB with the default 4), and
about as much kept by the hashing threads between sign-ins. A legacy hash (below) is allocated with mmap by glibc
(it is above the 32 MiB ceiling of the mmap threshold) and returned when done.

Hashes made with other parameters (Django's defaults, before this change) still verify: Argon2 hashes carry
their parameters, and Django re-hashes with the current ones at the next successful sign-in (`must_update`).
Verifying such a hash costs its own memory, so it takes as many slots as it needs (up to all of them).
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

from modules.core.public import ServiceUnavailable

BUSY_RETRY_AFTER_SECONDS = 2


class _HashingSlots:
    """A counting semaphore whose acquisitions have weights (memory in units of one current-parameter hash)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._in_use = 0
        self.waiting = 0  # callers queued for a slot (read by tests)
        self.peak = 0  # the most units ever in use at once (read by tests)

    @contextlib.contextmanager
    def hold(self, weight: int) -> Iterator[None]:
        capacity = settings.PASSWORD_HASH_CONCURRENCY
        weight = max(1, min(weight, capacity))
        with self._condition:
            self.waiting += 1
            try:
                acquired = self._condition.wait_for(
                    lambda: self._in_use + weight <= capacity, timeout=settings.PASSWORD_HASH_WAIT_SECONDS
                )
            finally:
                self.waiting -= 1
            if not acquired:
                raise ServiceUnavailable(
                    "Too many sign-ins are being checked right now. Try again in a moment.",
                    code="sign_in_busy",
                    headers={"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)},
                )
            self._in_use += weight
            self.peak = max(self.peak, self._in_use)
        try:
            yield
        finally:
            with self._condition:
                self._in_use -= weight
                self._condition.notify_all()


hashing_slots = _HashingSlots()


class _HashingPool:
    """The threads that compute every hash of the process: as many as there are slots, so a caller holding a slot
    always finds one free (callers hold at most `PASSWORD_HASH_CONCURRENCY` slots, each hash at least one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._size = 0
        self.threads: set[int] = set()  # idents of the threads that have hashed (read by tests)

    def _pool(self) -> ThreadPoolExecutor:
        size = settings.PASSWORD_HASH_CONCURRENCY
        with self._lock:
            if self._executor is None or self._size != size:  # a changed setting (tests): a pool of the new size
                if self._executor is not None:
                    self._executor.shutdown(wait=False)
                self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="argon2")
                self._size = size
            return self._executor

    def run(self, function, *args):
        def job():
            self.threads.add(threading.get_ident())
            return function(*args)

        return self._pool().submit(job).result()


hashing_pool = _HashingPool()


class SelfLinkArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with OWASP's first recommended parameter set, under the per-process hashing limit.

    The algorithm name stays `argon2`, so every existing Argon2 hash is handled (and upgraded) by this hasher.
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB (19 MiB)
    parallelism = 1

    def _weight(self, encoded: str) -> int:
        """Slots needed to verify `encoded`: its memory cost in units of ours (legacy hashes use more)."""
        try:
            memory_cost = self.decode(encoded)["memory_cost"]
        except Exception:  # a malformed hash fails verification below, at the cost of one slot
            return 1
        return math.ceil(memory_cost / self.memory_cost)

    def encode(self, password: str, salt: str) -> str:
        with hashing_slots.hold(1):
            return hashing_pool.run(super().encode, password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        with hashing_slots.hold(self._weight(encoded)):
            return hashing_pool.run(super().verify, password, encoded)


class FastArgon2PasswordHasher(SelfLinkArgon2PasswordHasher):
    """Argon2 with minimal cost, for the test suite only (selected when SELFLINK_ENV=test); same hashing limit."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1
