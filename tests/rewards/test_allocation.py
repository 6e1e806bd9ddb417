"""The arithmetic of the rules: integer cents, largest remainder, documented tie-break, carry-forward."""

from hypothesis import given
from hypothesis import strategies as st

from modules.rewards import canonical


def test_worked_example_from_the_product_rules():
    net, pool = canonical.pool_cents(100_000, 0, 50)
    assert (net, pool) == (100_000, 50_000)
    shares = canonical.allocate(pool, {"alice": 13, "bob": 8, "carol": 4})
    assert shares == {"alice": 26_000, "bob": 16_000, "carol": 8_000}


def test_one_hundred_cents_among_three_equals_goes_34_33_33_by_login():
    assert canonical.allocate(100, {"carol": 1, "alice": 1, "bob": 1}) == {"alice": 34, "bob": 33, "carol": 33}


def test_tie_break_prefers_the_larger_remainder_then_more_points():
    # pool 10 over 3:3:1 → exact 4.2857, 4.2857, 1.4286: floors 4,4,1 (=9); remainders 2,2,3 (of 7) → carol.
    assert canonical.allocate(10, {"alice": 3, "bob": 3, "carol": 1}) == {"alice": 4, "bob": 4, "carol": 2}
    # pool 1 over 2:1 → remainders 2 and 1 (of 3): alice.
    assert canonical.allocate(1, {"alice": 2, "bob": 1}) == {"alice": 1, "bob": 0}


def test_costs_above_revenue_leave_no_pool():
    assert canonical.pool_cents(5_000, 9_000, 50) == (0, 0)


def test_pool_is_floored():
    assert canonical.pool_cents(101, 0, 50) == (101, 50)


def test_negative_totals_count_as_zero_and_threshold_carries_forward():
    lines = canonical.lines_for(1_500, {"alice": 2, "bob": 1, "mallory": -4}, {"dora": 300}, 1_000)
    by_login = {line.github_login: line for line in lines}
    assert by_login["mallory"].points == 0 and by_login["mallory"].share_cents == 0
    assert by_login["alice"].payout_cents == 1_000 and by_login["alice"].carry_out_cents == 0
    assert by_login["bob"].payout_cents == 0 and by_login["bob"].carry_out_cents == 500  # below $10: carried
    assert by_login["dora"].carry_in_cents == 300 and by_login["dora"].carry_out_cents == 300
    assert sum(line.share_cents for line in lines) == 1_500


def test_carry_in_that_reaches_the_threshold_is_paid():
    lines = canonical.lines_for(600, {"bob": 1}, {"bob": 500}, 1_000)
    assert lines[0].payout_cents == 1_100 and lines[0].carry_out_cents == 0


@given(
    pool=st.integers(min_value=0, max_value=10**12),
    points=st.dictionaries(st.text(alphabet="abcdefgh", min_size=1, max_size=6), st.integers(0, 10**6), max_size=40),
)
def test_shares_always_add_up_to_the_pool_exactly(pool, points):
    shares = canonical.allocate(pool, points)
    if sum(points.values()) > 0:
        assert sum(shares.values()) == pool
        total = sum(points.values())
        for login, value in points.items():
            exact_floor = pool * value // total
            assert exact_floor <= shares[login] <= exact_floor + 1
    else:
        assert set(shares.values()) <= {0}


def test_canonical_json_is_sorted_compact_utf8():
    assert canonical.canonical_json({"b": 1, "a": "ნინო"}) == '{"a":"ნინო","b":1}\n'.encode()


def test_periods():
    assert canonical.next_period("2026-12") == "2027-01"
    assert canonical.previous_period("2027-01") == "2026-12"
