"""The product line of a target: does the model beat the market on the held-out games the
market priced? Words from the interval only (``Interval.verdict``), never the point."""

from mlbcore.training.bootstrap import BETTER, WORSE, Interval


def market_line(vs_market: Interval | None) -> str:
    """One line from model minus market (primary metric, lower is better) on the priced
    test games: "beats the market by X (95 % CI [a, b] ...)", "no clear difference from
    the market (...)" or "worse than the market by X (...)"."""
    if vs_market is None:
        return "not compared with the market: it priced none of the test games"
    i = vs_market
    detail = (
        f"{i.metric} model minus market {i.estimate:+.4f}, 95 % CI [{i.low:+.4f}, "
        f"{i.high:+.4f}], {i.games} priced test games"
    )
    if i.verdict == BETTER:
        return f"beats the market by {abs(i.estimate):.4f} {i.metric} ({detail})"
    if i.verdict == WORSE:
        return f"worse than the market by {abs(i.estimate):.4f} {i.metric} ({detail})"
    return f"no clear difference from the market ({detail})"
