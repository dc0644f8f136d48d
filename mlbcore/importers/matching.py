"""Matching rows of an odds source to the snapshot's games.

By Retrosheet id where the source has one; else by local date, home team and the game's
order among that home team's games that date (so a doubleheader's games pair up even when
a source does not number them). Rows that match nothing are returned for the report.
"""

import polars as pl

from mlbcore.data.teams import TEAM_TIME_ZONES


def game_sequence(order_by: str | list[str]) -> pl.Expr:
    """1 for a home team's first game of a local date, 2 for the second, ..."""
    keys = [order_by] if isinstance(order_by, str) else order_by
    return pl.struct(keys).rank("ordinal").over("date", "home_team").cast(pl.Int32).alias("seq")


def local_date(instant_utc: str, team: str) -> pl.Expr:
    """The calendar date of a UTC instant at the team's home time zone: a 10 pm Eastern
    first pitch is the next day in UTC but the same local date."""
    date = pl.lit(None, pl.Date)
    for zone in sorted(set(TEAM_TIME_ZONES.values())):
        teams = [t for t, z in TEAM_TIME_ZONES.items() if z == zone]
        date = (
            pl.when(pl.col(team).is_in(teams))
            .then(pl.col(instant_utc).dt.convert_time_zone(zone).dt.date())
            .otherwise(date)
        )
    return date.alias("date")


def match_games(source: pl.DataFrame, games: pl.DataFrame) -> pl.DataFrame:
    """``source`` (key, retro_game_id or null, date, home_team, seq) with ``game_id`` of
    the matched game (null if none) and ``matched_by``."""
    keyed_games = games.select("game_id", "date", "home_team", "doubleheader").with_columns(
        game_sequence("doubleheader")
    )
    by_id = source.join(
        keyed_games.select("game_id", id_date=pl.col("date"), id_match=pl.col("game_id")),
        left_on="retro_game_id",
        right_on="game_id",
        how="left",
        maintain_order="left",
    ).with_columns(
        # Sources build some ids from the UTC date: an id whose game is on another local
        # date than the row's own first pitch is not trusted.
        id_match=pl.when(pl.col("date").is_null() | (pl.col("id_date") == pl.col("date"))).then(
            pl.col("id_match")
        )
    )
    by_date = by_id.join(
        keyed_games.select("date", "home_team", "seq", date_match=pl.col("game_id")),
        on=["date", "home_team", "seq"],
        how="left",
        maintain_order="left",
    )
    matched = by_date.with_columns(
        game_id=pl.coalesce("id_match", "date_match"),
        by_id=pl.col("id_match").is_not_null(),
    )
    # A game claimed by two rows keeps the one matched by id (else the first); the other
    # is reported as unmatched rather than attached twice.
    first_claim = (
        pl.int_range(pl.len()).sort_by(~pl.col("by_id"), maintain_order=True).rank("ordinal")
    )
    return (
        matched.with_columns(claim=first_claim.over("game_id"))
        .with_columns(
            game_id=pl.when(pl.col("claim") == 1).then(pl.col("game_id")),
            matched_by=pl.when(pl.col("claim") != 1)
            .then(pl.lit(None, pl.String))
            .when(pl.col("by_id"))
            .then(pl.lit("retrosheet id"))
            .when(pl.col("date_match").is_not_null())
            .then(pl.lit("date, home team, game of day")),
        )
        .drop("id_match", "id_date", "date_match", "by_id", "claim")
    )
