"""What each target predicts, computed from final scores and (for over/under) the market."""

import polars as pl

from mlbcore.targets import Target


def label(target: Target) -> pl.Expr:
    """The target's label; null where a game cannot be labelled (no score, no market
    total, or a push on the total)."""
    total_runs = pl.col("home_score").cast(pl.Float64) + pl.col("away_score").cast(pl.Float64)
    match target:
        case Target.MONEYLINE_HOME_WIN:
            expr = (pl.col("home_score") > pl.col("away_score")).cast(pl.Float64)
        case Target.TOTAL_OVER_UNDER:
            # Pushes (runs equal to a whole-number total) are refunded: no label.
            expr = pl.when(total_runs != pl.col("market_total")).then(
                (total_runs > pl.col("market_total")).cast(pl.Float64)
            )
        case Target.RUN_TOTAL_REGRESSION:
            expr = total_runs
    return expr.alias("label")


def market_baseline(target: Target) -> pl.Expr:
    """The market's own prediction of the label at the cutoff (null where it had none)."""
    match target:
        case Target.MONEYLINE_HOME_WIN:
            expr = pl.col("market_no_vig_home_prob")
        case Target.TOTAL_OVER_UNDER:
            expr = pl.col("market_no_vig_over_prob")
        case Target.RUN_TOTAL_REGRESSION:
            expr = pl.col("market_total")
    return expr.alias("market_prediction")


def labelled_games(features: pl.DataFrame, games: pl.DataFrame, target: Target) -> pl.DataFrame:
    """Features with the target's label and the market's prediction; unlabelled games dropped."""
    scores = games.select("game_id", "home_score", "away_score")
    return (
        features.join(scores, on="game_id", how="left", maintain_order="left")
        .with_columns(label(target), market_baseline(target))
        .filter(pl.col("label").is_not_null())
        .drop("home_score", "away_score")
        .sort("first_pitch_utc", "game_id")
    )
