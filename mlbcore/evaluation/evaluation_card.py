"""The verdict card of one evaluation (``mlb evaluate``, the evaluate notebook): its
out-of-sample comparison with the market, its bets, and every warning that keeps it from
being green (games before the model's training ended, degenerate-model flags)."""

from mlbcore.evaluation.evaluate import Evaluation
from mlbcore.evaluation.verdicts import BettingNumbers, VerdictCard, degenerate_flags, verdict_card
from mlbcore.formatting import count


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
