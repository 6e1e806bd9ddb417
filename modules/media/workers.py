"""A small, bounded pool of threads per process for decoding and re-encoding images.

daphne runs each synchronous request in a thread of its own, so without a bound every concurrent upload would
decode at once and the process's memory would be the sum of all of them. Image work is submitted here
instead: at most `MEDIA_DECODE_WORKERS` jobs run at a time (each within the decode-memory limit checked before
it is submitted, so the process never holds more than workers × that limit for images), the event loop never
runs one, and a request that finds every worker busy waits up to `MEDIA_DECODE_WAIT_SECONDS` for a free one,
then gets a 503 `media_busy` with `Retry-After` instead of queueing without limit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from django.conf import settings

from modules.core.public import ServiceUnavailable

T = TypeVar("T")
RETRY_AFTER_SECONDS = 5


class MediaBusy(ServiceUnavailable):
    code = "media_busy"
    detail = "Too many images are being processed right now; retry in a few seconds."

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


class DecodePool:
    """`workers` threads, and an admission gate of as many slots: a job holds its slot until it has finished,
    so nothing waits inside the executor's (unbounded) queue."""

    def __init__(self, workers: int, wait_seconds: float):
        self.workers = workers
        self.wait_seconds = wait_seconds
        self._slots = threading.BoundedSemaphore(workers)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="media-decode")

    def submit(self, fn: Callable[..., T], *args, **kwargs) -> Future[T]:
        """Start `fn` on a worker once one is free; MediaBusy if none frees up within the wait."""
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise MediaBusy()
        try:
            future = self._executor.submit(fn, *args, **kwargs)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _: self._slots.release())
        return future

    def run(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """Run `fn` on a worker and wait for its result (its exception is raised here)."""
        return self.submit(fn, *args, **kwargs).result()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False)


_lock = threading.Lock()
_pool: DecodePool | None = None


def decode_pool() -> DecodePool:
    """The process's pool, rebuilt when its settings change (tests change them)."""
    global _pool
    workers, wait = settings.MEDIA_DECODE_WORKERS, settings.MEDIA_DECODE_WAIT_SECONDS
    with _lock:
        if _pool is None or (_pool.workers, _pool.wait_seconds) != (workers, wait):
            if _pool is not None:
                _pool.shutdown()
            _pool = DecodePool(workers, wait)
        return _pool
