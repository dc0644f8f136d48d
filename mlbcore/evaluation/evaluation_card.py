"""One evaluation as people read it (``mlb evaluate``, the evaluate notebook): its
verdict card (the out-of-sample comparison with the market, its bets, and every warning
that keeps it from being green: games before the model's training ended, degenerate-model
flags), and its detailed tables."""

import polars as pl

from mlbcore.evaluation.evaluate import Evaluation
from mlbcore.evaluation.verdicts import BettingNumbers, VerdictCard, degenerate_flags, verdict_card
from mlbcore.formatting import count, interval, percent, significant


def in_sample_warning(result: Evaluation) -> str | None:
    """Words when the window reached back before the model's training data ended."""
    if not result.games_before_training:
        return None
    where = (
        "scored apart as in-sample (never a result)" if result.in_sample is not None else "left out"
    )
    return (
        f"{count(result.games_before_training)} of the window's games started before the "
        f"model's training data ended ({result.trained_as_of:%Y-%m-%d %H:%M} UTC) and were "
        f"{where}: the window overlaps its training, so no verdict here is green"
    )


def evaluation_card(result: Evaluation, health: str | None = None) -> VerdictCard:
    betting = None
    if result.betting is not None:
        summary = result.betting
        flat = summary.flat_yield
        betting = BettingNumbers(
            bets=summary.bets,
            flat_yield=flat.estimate if flat else 0.0,
            yield_low=flat.low if flat else None,
            yield_high=flat.high if flat else None,
            yield_verdict=summary.verdicts()["flat_yield"],
            kelly_bankroll=summary.kelly_bankroll,
            clv_mean=summary.clv_mean,
        )
    warning = in_sample_warning(result)
    warnings = ([warning] if warning else []) + degenerate_flags(
        result.degenerate, result.target.is_binary
    )
    detail = (
        f"{result.model_uri.removeprefix('models:/')} out of sample on {count(result.games)} "
        f"games, {result.start_utc:%Y-%m-%d} to {result.as_of:%Y-%m-%d}"
    )
    return verdict_card(result.target, result.vs_market, betting, health, detail, warnings)


def metrics_table(result: Evaluation) -> pl.DataFrame:
    """One row per metric: the model on every game, the model and the market on the games
    the market priced (the fair comparison), and, when asked for, the in-sample games,
    labelled as such. Floats as they are; the page rounds them for reading."""
    part = result.out_of_sample
    names = [n for n in part.metrics if not n.startswith(("model_priced_", "market_"))]
    columns: dict[str, list[float | None]] = {
        f"model, all {result.games} games": [part.metrics[n] for n in names],
        f"model, {result.market_games} priced games": [
            part.metrics.get(f"model_priced_{n}") for n in names
        ],
        f"market, {result.market_games} priced games": [
            part.metrics.get(f"market_{n}") for n in names
        ],
    }
    if result.in_sample is not None:
        columns[f"IN-SAMPLE model, {result.in_sample.games} games (not a result)"] = [
            result.in_sample.metrics.get(n) for n in names
        ]
    return pl.DataFrame(
        {"metric": names, **columns},
        schema_overrides={name: pl.Float64 for name in columns},
    )


def betting_table(result: Evaluation) -> pl.DataFrame:
    """The bets' results for reading: bets as an integer, yield, CLV and win rate as
    percentages, the Kelly bankroll as a multiple, each with its interval and verdict."""
    summary = result.betting
    if summary is None:
        return pl.DataFrame()
    m, verdicts = summary.metrics(), summary.verdicts()
    return pl.DataFrame(
        [
            {"measure": "bets", "value": count(summary.bets), "95 % CI": "-", "verdict": ""},
            {
                "measure": "flat-stake yield",
                "value": percent(m["flat_yield"], sign=True) if summary.bets else "-",
                "95 % CI": interval(
                    m["flat_yield_ci_low"], m["flat_yield_ci_high"], as_percent=True
                ),
                "verdict": verdicts["flat_yield"],
            },
            {
                "measure": "Kelly bankroll (from 1)",
                "value": significant(m["kelly_bankroll"]),
                "95 % CI": interval(
                    m["kelly_bankroll_ci_low"], m["kelly_bankroll_ci_high"], sign=False
                ),
                "verdict": verdicts["kelly_bankroll"],
            },
            {
                "measure": "closing-line value per bet",
                "value": percent(m["clv_mean"], sign=True),
                "95 % CI": "-",
                "verdict": "",
            },
            {"measure": "win rate", "value": percent(m["win_rate"]), "95 % CI": "-", "verdict": ""},
        ]
    )
