"""Empirical-Bayes shrinkage of player rates toward the league's.

A rate from few trials (batters faced, plate appearances) says little about the player:
his posterior is ``(events + k * league_rate) / (trials + k)``, as if he had ``k`` more
trials at the league rate. ``k`` is estimated from the data by the method of moments,
per season and rate: the spread of players' rates (weighted by their trials) minus the
part expected from sampling alone is the spread of true talent ``tau2``, and
``k = sampling_variance / tau2``. Where that is unstable (too few players, ``tau2`` not
positive, ``k`` outside ``K_BOUNDS``) the rate's documented fixed value is used instead.
"""

import polars as pl

# Method-of-moments k on the real 2013-2016 retrosplits seasons (regular season) lies
# in these ranges: pitchers per batter faced K 68-75, BB+HBP 134-193, HR 419-506; batters
# (pitchers batting included) per PA on-base 105-142, per AB isolated power 134-273.
# The fallbacks are round values inside them.
FALLBACK_K = {
    "k_rate": 70.0,
    "bb_rate": 160.0,
    "hr_rate": 450.0,
    "obp": 125.0,
    "iso": 200.0,
}
K_BOUNDS = (10.0, 2000.0)
MIN_PLAYERS = 30  # fewer players than this: the spread is noise, use the fallback


def league_priors(
    totals: pl.DataFrame,
    by: list[str],
    rate: str,
    events: str,
    trials: str,
    squares: str | None = None,
) -> pl.DataFrame:
    """Per group of ``by``: the league rate ``{rate}_league`` (all events over all
    trials) and the prior strength ``{rate}_k``. ``totals`` has one row per player and
    group with his ``events`` and ``trials``; ``squares`` is the column of his summed
    squared outcomes per trial, for rates whose outcome is not 0/1 (extra bases per at
    bat); without it the outcome is 0/1 and one trial's variance is ``p (1 - p)``."""
    # One summation order whatever order the rows came in (float sums depend on it).
    players = totals.filter(pl.col(trials) > 0).sort(*by, trials, events, squares or events)
    league = players.group_by(by).agg(
        players=pl.len(),
        events_sum=pl.col(events).sum().cast(pl.Float64),
        squares_sum=pl.col(squares or events).sum().cast(pl.Float64),
        trials_sum=pl.col(trials).sum().cast(pl.Float64),
    )
    league_rate = pl.col("events_sum") / pl.col("trials_sum")
    league = league.with_columns(
        league_rate=league_rate,
        variance=pl.col("squares_sum") / pl.col("trials_sum") - league_rate**2,
    )
    spread = (
        players.join(league, on=by, maintain_order="left")
        .group_by(by, maintain_order=True)
        .agg(
            # Trial-weighted variance of players' rates around the league rate.
            observed=(
                pl.col(trials) * (pl.col(events) / pl.col(trials) - pl.col("league_rate")) ** 2
            ).sum()
            / pl.col("trials_sum").first(),
        )
    )
    frame = league.join(spread, on=by)
    # Expected observed spread = tau2 + players * variance / trials (sampling alone).
    tau2 = pl.col("observed") - pl.col("players") * pl.col("variance") / pl.col("trials_sum")
    estimate = pl.col("variance") / tau2
    stable = (pl.col("players") >= MIN_PLAYERS) & (tau2 > 0) & estimate.is_between(*K_BOUNDS)
    return frame.select(
        *by,
        pl.col("league_rate").alias(f"{rate}_league"),
        pl.when(stable).then(estimate).otherwise(FALLBACK_K[rate]).alias(f"{rate}_k"),
    )


def shrunk_rate(events: pl.Expr, trials: pl.Expr, league_rate: pl.Expr, k: pl.Expr) -> pl.Expr:
    """The posterior rate: the player's events and trials plus ``k`` trials at the
    league rate. With no trials it is the league rate; with a null league rate, null."""
    return (events + k * league_rate) / (trials + k)
