"""The fractional-Kelly bankroll stakes each slate (one game date) from the bankroll
before it, with intervals on the yield and the bankroll; worked by hand."""

import math
from datetime import UTC, date, datetime

import polars as pl
import pytest

from mlbcore.evaluation.betting import BettingRules, bets, betting_summary

RULES = BettingRules(edge_threshold=0.02, kelly_fraction=0.25, max_stake=0.05)


def _games(rows: list[tuple[date, int, float, int, int]]) -> pl.DataFrame:
    """(date, first-pitch hour UTC, prob of side A, won_a, American price of side A);
    side B is priced -200, so every bet here is on side A."""
    return pl.DataFrame(
        {
            "date": [r[0] for r in rows],
            "first_pitch_utc": [
                datetime(r[0].year, r[0].month, r[0].day, r[1], tzinfo=UTC) for r in rows
            ],
            "prob": [r[2] for r in rows],
            "won_a": [r[3] for r in rows],
            "price_a": [r[4] for r in rows],
            "price_b": [-200] * len(rows),
        }
    )


DAY_1, DAY_2 = date(2016, 5, 1), date(2016, 5, 2)
# Every bet's quarter-Kelly stake is above the 5 % cap: 0.25 * (0.7 * 2 - 1) / 1 = 0.1 at
# +100 and 0.25 * (0.7 * 2.5 - 1) / 1.5 = 0.125 at +150, so each stakes 0.05.
SLATES = _games(
    [
        (DAY_1, 17, 0.7, 1, 100),  # wins +1 per unit
        (DAY_1, 23, 0.7, 0, 100),  # loses 1 per unit
        (DAY_2, 17, 0.7, 1, 150),  # wins +1.5 per unit
    ]
)


def test_a_slate_is_staked_from_the_bankroll_before_it():
    placed = bets(SLATES, RULES)
    assert placed["kelly_stake"].to_list() == pytest.approx([0.05, 0.05, 0.05])
    assert placed["flat_profit"].to_list() == pytest.approx([1.0, -1.0, 1.5])
    # Day 1: both 5 % stakes come from 1.0: 1 + 0.05 * 1 - 0.05 * 1 = 1.0. Settling the
    # win before staking the loss would give 1.05 * 0.95 = 0.9975 instead.
    # Day 2: 1.0 * (1 + 0.05 * 1.5) = 1.075.
    assert placed["bankroll_before"].to_list() == pytest.approx([1.0, 1.0, 1.0])
    assert placed["bankroll"].to_list() == pytest.approx([1.0, 1.0, 1.075])
    # Each date's log growth is shared by its bets; the total is the log of the final bankroll.
    assert placed["log_growth"].to_list() == pytest.approx([0.0, 0.0, math.log(1.075)])
    summary = betting_summary(placed)
    assert summary.kelly_bankroll == pytest.approx(1.075)


def test_the_bankroll_compounds_across_slates_not_within_them():
    # Day 1 loses 5 % (one bet); day 2's two stakes are 5 % of the 0.95 left.
    placed = bets(
        _games(
            [
                (DAY_1, 17, 0.7, 0, 100),
                (DAY_2, 17, 0.7, 1, 100),
                (DAY_2, 20, 0.7, 1, 150),
            ]
        ),
        RULES,
    )
    assert placed["bankroll_before"].to_list() == pytest.approx([1.0, 0.95, 0.95])
    final = 0.95 * (1 + 0.05 * 1 + 0.05 * 1.5)  # 1.06875; sequential: 0.95 * 1.05 * 1.075
    assert placed["bankroll"].to_list() == pytest.approx([0.95, final, final])
    assert betting_summary(placed).kelly_bankroll == pytest.approx(final)


def test_a_slate_never_stakes_more_than_the_bankroll():
    # Full Kelly at +100 with p = 0.9 is 0.8, capped at 0.6; two such bets would stake 1.2,
    # so both are scaled to 0.5 and together win 1.0.
    rules = BettingRules(edge_threshold=0.02, kelly_fraction=1.0, max_stake=0.6)
    placed = bets(_games([(DAY_1, 17, 0.9, 1, 100), (DAY_1, 20, 0.9, 1, 100)]), rules)
    assert placed["kelly_stake"].to_list() == pytest.approx([0.5, 0.5])
    assert placed["bankroll"].to_list() == pytest.approx([2.0, 2.0])


def test_summary_gives_yield_and_bankroll_with_date_block_intervals():
    summary = betting_summary(bets(SLATES, RULES))
    metrics = summary.metrics()
    # Resampling the 2 dates in blocks of 1: day 1 twice, day 2 twice, or one of each.
    # Yield: 0 / 4 = 0, 3 / 2 = 1.5 or 1.5 / 3 = 0.5 (the estimate).
    assert metrics["flat_yield"] == pytest.approx(0.5)
    assert (metrics["flat_yield_ci_low"], metrics["flat_yield_ci_high"]) == pytest.approx(
        (0.0, 1.5)
    )
    # Bankroll: 1.0 * 1.0, 1.075 * 1.075 or 1.075 (the estimate).
    assert metrics["kelly_bankroll"] == pytest.approx(1.075)
    assert (metrics["kelly_bankroll_ci_low"], metrics["kelly_bankroll_ci_high"]) == pytest.approx(
        (1.0, 1.075**2)
    )
    # Both intervals reach their no-gain end, so neither is a win.
    assert summary.verdicts() == {
        "flat_yield": "no clear difference",
        "kelly_bankroll": "no clear difference",
    }
    assert metrics["bets"] == 3 and metrics["win_rate"] == pytest.approx(2 / 3)
    assert summary.lines() == [
        "bets           3",  # a count: never 3.0000
        "flat_yield     +50.0 %  (95 % CI +0.0 % to +150.0 %): no clear difference",
        "kelly_bankroll 1.0750  (95 % CI 1.0000 to 1.1556): no clear difference",
        "clv_mean       -",
        "win_rate       66.7 %",
    ]


def test_a_clear_loser_is_worse_and_no_bets_is_said():
    losing = _games([(date(2016, 5, d), 17, 0.7, 0, 100) for d in range(1, 11)])
    summary = betting_summary(bets(losing, RULES))
    assert summary.kelly_bankroll == pytest.approx(0.95**10)
    assert summary.verdicts() == {"flat_yield": "worse", "kelly_bankroll": "worse"}
    empty = betting_summary(bets(_games([(DAY_1, 17, 0.5, 1, -110)]), RULES))
    assert empty.bets == 0 and empty.kelly_bankroll == 1.0
    assert empty.verdicts()["kelly_bankroll"] == "no bets"
