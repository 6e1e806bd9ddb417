"""`database_call`: synchronous database work from the event loop, with a request's connection handling."""

from __future__ import annotations

from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from django.db import InterfaceError, OperationalError, connection, transaction

from modules.accounts.models import User
from modules.core.database import READ_ATTEMPTS
from modules.core.public import database_call


class Flaky:
    """Fails with `error` the first `failures` calls, then answers."""

    def __init__(self, failures: int, error: type[Exception] = OperationalError) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self, value: int) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error("the server closed the connection unexpectedly")
        return value * 2


def run(func, *args, **options):
    # async_to_sync runs the coroutine in a new loop; database_call's sync_to_async (thread-sensitive) runs the
    # function back in this thread, where a test's transaction lives.
    return async_to_sync(database_call(func, **options))(*args)


@pytest.fixture
def closes():
    """The connection handling, observed: (close_old_connections, connection.close) as mocks."""
    with (
        mock.patch("modules.core.database.close_old_connections") as close_old,
        mock.patch.object(connection, "close") as close,
    ):
        yield close_old, close


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_read_is_retried_on_a_fresh_connection_after_a_dead_one(closes, error):
    flaky = Flaky(failures=READ_ATTEMPTS - 1, error=error)
    assert run(flaky, 21, retry_reads=True) == 42
    assert flaky.calls == READ_ATTEMPTS
    assert closes[1].call_count == READ_ATTEMPTS - 1  # the dead connection is dropped before each new attempt


def test_a_read_gives_up_after_the_last_attempt(closes):
    flaky = Flaky(failures=READ_ATTEMPTS)
    with pytest.raises(OperationalError):
        run(flaky, 1, retry_reads=True)
    assert flaky.calls == READ_ATTEMPTS


def test_a_call_that_may_write_is_never_retried(closes):
    flaky = Flaky(failures=1)
    with pytest.raises(OperationalError):
        run(flaky, 1)
    assert flaky.calls == 1
    closes[1].assert_not_called()


def test_stale_connections_are_replaced_before_and_after_the_call(closes):
    assert run(lambda: 7) == 7
    assert closes[0].call_count == 2


@pytest.mark.django_db
def test_inside_a_transaction_the_connection_is_kept_and_nothing_is_retried():
    flaky = Flaky(failures=1)
    with (
        transaction.atomic(),
        mock.patch("modules.core.database.close_old_connections") as close_old,
        mock.patch.object(connection, "close") as close,
    ):
        assert connection.in_atomic_block
        with pytest.raises(OperationalError):
            run(flaky, 1, retry_reads=True)
        assert run(User.objects.count, retry_reads=True) == 0  # the transaction's connection still answers
    assert flaky.calls == 1
    close_old.assert_not_called()
    close.assert_not_called()
