"""When a game's features are frozen (its cutoff) and when its result became known."""

from datetime import timedelta

import polars as pl


def cutoff_utc(cutoff_minutes: int) -> pl.Expr:
    """The instant a game's features are computed as of: first pitch minus the cutoff."""
    return (pl.col("first_pitch_utc") - pl.duration(minutes=cutoff_minutes)).alias("cutoff_utc")


# Sources without end times (Retrosheet) still give a safe instant: every MLB game of a
# local date has ended by 10:00 UTC the next day (6 am Eastern), and no game of that next
# date has its cutoff before then (the earliest US first pitches are around 11 am Eastern).
UNKNOWN_END_KNOWN_AT = timedelta(days=1, hours=10)


def result_known_at_utc() -> pl.Expr:
    """When a game's result became known: its end, or the safe next-morning rule."""
    next_morning = (
        pl.col("date").cast(pl.Datetime("us")) + UNKNOWN_END_KNOWN_AT
    ).dt.replace_time_zone("UTC")
    return pl.coalesce(pl.col("game_end_utc"), next_morning).alias("result_known_at_utc")


def finished_results(games: pl.DataFrame) -> pl.DataFrame:
    """The games whose results count for features, each stamped with
    ``result_known_at_utc`` (UTC): its end, else the next-morning rule.

    The one place the knowledge-time rule lives: a feature may use a game's result (its
    scores, innings) only as of this instant, never from first pitch, so a game still
    being played at a cutoff (the opener of a doubleheader, a late game out west) cannot
    leak into it. A game without both scores (postponed, not yet played) has no result.
    """
    return games.filter(
        pl.col("home_score").is_not_null() & pl.col("away_score").is_not_null()
    ).with_columns(result_known_at_utc())
