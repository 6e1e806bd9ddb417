"""Local birth time → UTC: the clocks' gaps and overlaps, local mean time at the birthplace, manual offsets."""

from __future__ import annotations

import datetime as dt

import pytest

from modules.charts.instants import Ambiguous, Nonexistent, format_offset, lmt_offset_seconds, resolve

NEW_YORK = {"zone": "America/New_York", "longitude": -74.006}


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_an_ordinary_summer_time():
    resolved = resolve(local=dt.datetime(1963, 6, 9, 0, 0), zone="America/Chicago", longitude=-87.11333)
    assert resolved.utc == utc(1963, 6, 9, 5, 0)
    assert (resolved.offset_seconds, resolved.basis, resolved.fold) == (-5 * 3600, "zone", None)


def test_a_time_the_clocks_skipped_is_refused():
    # 2021-03-14: New York went from 02:00 EST straight to 03:00 EDT.
    with pytest.raises(Nonexistent) as caught:
        resolve(local=dt.datetime(2021, 3, 14, 2, 30), **NEW_YORK)
    assert (caught.value.before, caught.value.after) == (-5 * 3600, -4 * 3600)
    # The minutes around the gap exist.
    assert resolve(local=dt.datetime(2021, 3, 14, 1, 59), **NEW_YORK).utc == utc(2021, 3, 14, 6, 59)
    assert resolve(local=dt.datetime(2021, 3, 14, 3, 0), **NEW_YORK).utc == utc(2021, 3, 14, 7, 0)


def test_a_fold_never_rescues_a_skipped_time():
    with pytest.raises(Nonexistent):
        resolve(local=dt.datetime(2021, 3, 14, 2, 30), fold=1, **NEW_YORK)


def test_a_time_shown_twice_needs_a_fold():
    # 2021-11-07: 01:30 happened at 05:30 UTC (EDT) and again at 06:30 UTC (EST).
    local = dt.datetime(2021, 11, 7, 1, 30)
    with pytest.raises(Ambiguous) as caught:
        resolve(local=local, **NEW_YORK)
    assert caught.value.offsets == (-4 * 3600, -5 * 3600)
    first, second = resolve(local=local, fold=0, **NEW_YORK), resolve(local=local, fold=1, **NEW_YORK)
    assert (first.utc, first.fold) == (utc(2021, 11, 7, 5, 30), 0)
    assert (second.utc, second.fold) == (utc(2021, 11, 7, 6, 30), 1)


def test_a_fold_on_an_unambiguous_time_changes_nothing_and_is_not_reported():
    resolved = resolve(local=dt.datetime(2021, 11, 7, 3, 30), fold=1, **NEW_YORK)
    assert (resolved.utc, resolved.fold) == (utc(2021, 11, 7, 8, 30), None)


def test_before_standard_time_the_birthplaces_own_mean_time_is_used():
    # Europe/Berlin kept Berlin's local mean time (+0:53:28) until 1893-04-01; a birth in Cologne (6.96° E) in
    # 1880 happened on Cologne's clock, +0:27:50.
    cologne = resolve(local=dt.datetime(1880, 5, 1, 12, 0), zone="Europe/Berlin", longitude=6.9578)
    assert cologne.basis == "lmt"
    assert cologne.offset_seconds == lmt_offset_seconds(6.9578) == 1670
    assert cologne.utc == utc(1880, 5, 1, 11, 32, 10)
    # Not the zone's (Berlin's) +0:53:28, which would shift the Ascendant by about 6°.
    berlin = resolve(local=dt.datetime(1880, 5, 1, 12, 0), zone="Europe/Berlin", longitude=13.4050)
    assert berlin.offset_seconds == 3217
    assert cologne.utc - berlin.utc == dt.timedelta(seconds=3217 - 1670)


def test_the_jump_from_mean_time_to_standard_time_is_a_gap_at_the_birthplace():
    # The zone went to CET (+1:00) at 1893-03-31 23:06:32 UTC. Cologne's mean time (+0:27:50) read 23:34:22 then,
    # CET 00:06:32: at Cologne the clock jumped over 23:34:22 … 00:06:32.
    for local in (dt.datetime(1893, 3, 31, 23, 50), dt.datetime(1893, 4, 1, 0, 3)):
        with pytest.raises(Nonexistent):
            resolve(local=local, zone="Europe/Berlin", longitude=6.9578)
    before = resolve(local=dt.datetime(1893, 3, 31, 23, 30), zone="Europe/Berlin", longitude=6.9578)
    after = resolve(local=dt.datetime(1893, 4, 1, 0, 10), zone="Europe/Berlin", longitude=6.9578)
    assert (before.basis, before.offset_seconds) == ("lmt", 1670)
    assert (after.basis, after.offset_seconds) == ("zone", 3600)


def test_a_named_mean_time_of_the_tz_database_is_kept():
    # Tbilisi Mean Time (TBMT, +2:59:11) was the legal time of Tiflis: it is a standard time, not "LMT".
    resolved = resolve(local=dt.datetime(1900, 1, 1, 12, 0), zone="Asia/Tbilisi", longitude=42.70)
    assert (resolved.basis, resolved.offset_seconds) == ("zone", 10751)


def test_a_manual_offset_wins():
    resolved = resolve(
        local=dt.datetime(2021, 3, 14, 2, 30), zone="America/New_York", longitude=-74.0, utc_offset_seconds=-18000
    )
    assert (resolved.utc, resolved.basis) == (utc(2021, 3, 14, 7, 30), "override")
    assert resolve(local=dt.datetime(1990, 1, 1), zone=None, longitude=0, utc_offset_seconds=14400).utc == utc(
        1989, 12, 31, 20, 0
    )


def test_the_local_time_must_be_naive():
    with pytest.raises(ValueError, match="naive"):
        resolve(local=dt.datetime(1990, 1, 1, tzinfo=dt.UTC), zone="UTC", longitude=0)


@pytest.mark.parametrize(
    ("seconds", "text"), [(14400, "+04:00"), (-18000, "-05:00"), (-21036, "-05:50:36"), (0, "+00:00")]
)
def test_format_offset(seconds, text):
    assert format_offset(seconds) == text
