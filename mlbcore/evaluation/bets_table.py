"""The bets an evaluation placed, as people read them: the teams by name, the side bet
(a team, or over/under the total line), its price, the model's probability, the edge, the
stake, the result and the bankroll after the slate."""

import polars as pl

from mlbcore.data.teams import team_names
from mlbcore.targets import Target

BETS_SCHEMA = {
    "date": pl.Date,
    **dict.fromkeys(("game", "bet"), pl.String),
    "price": pl.Int64,
    **dict.fromkeys(("model_probability", "edge", "stake"), pl.Float64),
    "result": pl.String,
    **dict.fromkeys(("profit_per_unit", "bankroll_after_slate"), pl.Float64),
}


def bets_table(target: Target, placed: pl.DataFrame) -> pl.DataFrame:
    """One row per bet of ``bets()``'s output (with ``season``, ``home_team``,
    ``away_team`` and, for the over/under, ``market_total``, as ``betting_frame`` gives
    them). Rates are fractions (the page shows them as percentages)."""
    if placed.is_empty():
        return pl.DataFrame(schema=BETS_SCHEMA)  # the header alone, for a file written
    named = team_names(placed, ["home_team", "away_team"], "season")
    on_a = pl.col("side") == "a"
    if target is Target.MONEYLINE_HOME_WIN:
        bet = pl.when(on_a).then(pl.col("home_team")).otherwise(pl.col("away_team"))
    else:
        line = pl.col("market_total").round(1).cast(pl.String)
        bet = pl.when(on_a).then(pl.lit("over ")).otherwise(pl.lit("under ")) + line
    return named.select(
        "date",
        game=pl.col("away_team") + " at " + pl.col("home_team"),
        bet=bet,
        price=pl.when(on_a).then(pl.col("price_a")).otherwise(pl.col("price_b")).cast(pl.Int64),
        model_probability=pl.col("p"),
        edge=pl.col("edge"),
        stake=pl.col("kelly_stake"),
        result=pl.when(pl.col("won") == 1).then(pl.lit("won")).otherwise(pl.lit("lost")),
        profit_per_unit=pl.col("flat_profit"),
        bankroll_after_slate=pl.col("bankroll"),
    )
