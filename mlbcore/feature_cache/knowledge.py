"""What each game's features could know at its cutoff, as one 64-bit hash: the part of a
feature cache key that changes exactly when that knowledge does.

The rule, read off the builders in ``mlbcore/features`` (a builder that starts reading
something else must add it here, or the cache serves stale rows; the tests perturb each
input and compare with a fresh build):

- **Results known by the cutoff**, stamped with ``result_known_at_utc``
  (``timing.finished_results``): each finished game's row (scores, innings, starters,
  park, date) and its team pitching lines (``team_games``). Team form, starter form and
  strength, workload and park factor read these through as-of joins at the cutoff.
- **Schedule rows of games that started by the cutoff**, stamped with their first pitch:
  the teams, park and first pitch of earlier games (``time_zone_shift``: the previous
  game's park, finished or not).
- **The previous season's results, whenever known** (``team_carryover``: its whole-season
  run differential reads every finished game of season S-1, with no time filter).
- **The game's own rows:** its schedule row (every column but its result: scores, end,
  innings), its odds lines entered at or before the cutoff, its betting-splits captures
  taken at or before it, and, with lineup features on, its starting nine.
- **Player splits of the look-back seasons** (``prior_seasons``: the 3 seasons before the
  game's, every player's rows, since the league priors use them all), pitchers' and
  batters' apart.

Other games' odds, splits and lineups are never read, nor is anything stamped after the
cutoff. Adding a day's results therefore changes the hash only of games whose cutoff
comes at or after those results became known (and of the next season's games).

How, without a loop over games: every row gets a 64-bit hash (Polars, fixed seeds); the
stamped rows (results, schedule) are summed per instant and accumulated in time order,
wrapping at 2**64, into a *prefix hash* of everything known by each instant, which an
as-of join looks up at each cutoff; the game's own rows are summed per game, the split
seasons per look-back. A sum is a hash of a set of rows: the order rows arrive in does
not matter, any changed, added or removed row changes it (but for a 2**-64 chance). The
parts are hashed together per game. Polars' hashes may change with its version, which
then only makes every key new (misses), never a stale hit.
"""

import dataclasses

import polars as pl

from mlbcore.data.schema import with_added_columns
from mlbcore.data.snapshot import Snapshot
from mlbcore.data.timing import finished_results, result_known_at_utc
from mlbcore.features.prior_seasons import (
    BATTER_SEASON_WEIGHTS,
    PITCHER_SEASON_WEIGHTS,
    look_back,
)

# What a finished game adds to its schedule row: never read before it is known.
RESULT_COLUMNS = ("home_score", "away_score", "game_end_utc", "innings")
# What ``time_zone_shift`` reads of the games a team played before the cutoff.
SCHEDULE_COLUMNS = ("game_id", "first_pitch_utc", "home_team", "away_team", "park_id")
# One seed per kind of row, so equal values in different tables hash apart.
SEEDS = {
    "result": 11,
    "team_line": 12,
    "schedule": 13,
    "own_row": 14,
    "odds": 15,
    "splits": 16,
    "lineup": 17,
    "pitcher_splits": 18,
    "batter_splits": 19,
    "combined": 20,
}
_HASH = pl.UInt64
_ZERO = pl.lit(0, _HASH)


def knowledge_hashes(
    snapshot: Snapshot, games: pl.DataFrame, *, lineups: bool = True
) -> pl.DataFrame:
    """(game_id, knowledge): for each of ``games`` (rows of ``snapshot.games`` with
    ``cutoff_utc``), a UInt64 hash of everything its features may read as of its cutoff
    (the module's rule). Only ``games``' own rows are hashed, so a date's slate costs
    little more than the stamped history."""
    games = with_added_columns("games", games)
    results = _result_rows(snapshot)
    per_game = [
        _own_rows(games),
        _own_lines(games, snapshot.odds_lines, "entered_at_utc", "odds"),
        _own_lines(games, snapshot.betting_splits, "captured_at_utc", "splits"),
        _lineup_hashes(games, snapshot.lineups if lineups else None),
    ]
    per_season = [_look_back_hashes(snapshot, games["season"]), _previous_season(results)]
    knowledge = (
        games.select("game_id", "season", "cutoff_utc")
        .sort("cutoff_utc")
        .join_asof(
            _prefix_hashes(snapshot.games, results), left_on="cutoff_utc", right_on="known_at_utc"
        )
        .drop("known_at_utc")
    )
    for part in per_game:
        knowledge = knowledge.join(part, on="game_id", how="left", maintain_order="left")
    for part in per_season:
        knowledge = knowledge.join(part, on="season", how="left", maintain_order="left")
    parts = knowledge.drop("game_id", "season", "cutoff_utc").select(pl.all().fill_null(_ZERO))
    hashed = knowledge.select("game_id", knowledge=parts.hash_rows(SEEDS["combined"]))
    return games.select("game_id").join(hashed, on="game_id", how="left", maintain_order="left")


def _result_rows(snapshot: Snapshot) -> pl.DataFrame:
    """(game_id, season, result_known_at_utc, result): per finished game, the hash of its
    whole row and of its team pitching lines."""
    finished = finished_results(with_added_columns("games", snapshot.games))
    lines = (
        snapshot.team_games.select("game_id", line=pl.struct(pl.all()).hash(SEEDS["team_line"]))
        .group_by("game_id")
        .agg(lines=pl.col("line").sum())
    )
    return (
        finished.select(
            "game_id",
            "season",
            "result_known_at_utc",
            row=pl.struct(pl.all()).hash(SEEDS["result"]),
        )
        .join(lines, on="game_id", how="left")
        .select(
            "game_id",
            "season",
            "result_known_at_utc",
            result=pl.struct("row", pl.col("lines").fill_null(_ZERO)).hash(SEEDS["result"]),
        )
    )


def _prefix_hashes(games: pl.DataFrame, results: pl.DataFrame) -> pl.DataFrame:
    """(known_at_utc, prefix): at each instant something became known, the wrapping sum
    of the hashes of every stamped row known by then (results and schedule rows)."""
    results = results.select(known_at_utc="result_known_at_utc", row_hash="result")
    schedule = games.select(
        known_at_utc="first_pitch_utc",
        row_hash=pl.struct(*SCHEDULE_COLUMNS).hash(SEEDS["schedule"]),
    )
    return (
        pl.concat([results, schedule])
        .group_by("known_at_utc")
        .agg(pl.col("row_hash").sum())
        .sort("known_at_utc")
        .select("known_at_utc", prefix=pl.col("row_hash").cum_sum())
    )


def _own_rows(games: pl.DataFrame) -> pl.DataFrame:
    """(game_id, own_row): the hash of each game's schedule row, its result left out."""
    schedule = [c for c in games.columns if c not in RESULT_COLUMNS]
    return games.select("game_id", own_row=pl.struct(*schedule).hash(SEEDS["own_row"]))


def _own_lines(games: pl.DataFrame, table: pl.DataFrame, stamp: str, kind: str) -> pl.DataFrame:
    """(game_id, {kind}): the summed hashes of each game's own rows of ``table`` stamped
    at or before its cutoff (or not stamped at all: a builder could read those too)."""
    own = table.join(games.select("game_id", "cutoff_utc"), on="game_id").filter(
        pl.col(stamp).is_null() | (pl.col(stamp) <= pl.col("cutoff_utc"))
    )
    return _summed(own, table.columns, kind)


def _lineup_hashes(games: pl.DataFrame, lineups: pl.DataFrame | None) -> pl.DataFrame:
    """(game_id, lineup): the summed hashes of each game's starting nine (none when
    lineup features are off: they are not read)."""
    if lineups is None:
        return games.select("game_id", lineup=_ZERO)
    own = lineups.join(games.select("game_id"), on="game_id")
    return _summed(own, lineups.columns, "lineup")


def _summed(rows: pl.DataFrame, columns: list[str], kind: str) -> pl.DataFrame:
    """(game_id, {kind}): per game, the wrapping sum of its rows' hashes over ``columns``."""
    hashes = rows.select(columns).hash_rows(SEEDS[kind])
    return (
        rows.select("game_id", row_hash=hashes)
        .group_by("game_id")
        .agg(pl.col("row_hash").sum().alias(kind))
    )


def _look_back_hashes(snapshot: Snapshot, seasons: pl.Series) -> pl.DataFrame:
    """(season, pitcher_splits, batter_splits): per game season, the summed hashes of
    every player split row of its look-back seasons."""
    frame = seasons.unique().cast(pl.Int32).to_frame("season")
    for kind, weights in (
        ("pitcher_splits", PITCHER_SEASON_WEIGHTS),
        ("batter_splits", BATTER_SEASON_WEIGHTS),
    ):
        wanted = look_back(seasons, weights)
        table = snapshot.table(kind).join(
            wanted.select(season="split_season").unique(), on="season", how="semi"
        )
        per_season = (
            table.select("season", row_hash=pl.struct(pl.all()).hash(SEEDS[kind]))
            .group_by("season")
            .agg(pl.col("row_hash").sum().alias(kind))
        )
        frame = frame.join(
            wanted.join(per_season.rename({"season": "split_season"}), on="split_season")
            .group_by("season")
            .agg(pl.col(kind).sum()),
            on="season",
            how="left",
        )
    return frame


def _previous_season(results: pl.DataFrame) -> pl.DataFrame:
    """(season, previous_season): per season, the summed result hashes of every finished
    game of the season before it, whenever it became known."""
    return (
        results.group_by("season")
        .agg(previous_season=pl.col("result").sum())
        .select(pl.col("season") + 1, "previous_season")
    )


def history_for(snapshot: Snapshot, games: pl.DataFrame) -> Snapshot:
    """``snapshot`` with only the games whose rows the features of ``games`` (rows of
    ``snapshot.games`` with ``cutoff_utc``) may read, by the module's rule: those games,
    every game that started or whose result was known by their latest cutoff, every game
    of an earlier season, and the data's first two games. ``build_features`` on it gives
    ``games`` the rows it gives them on the whole snapshot; the other tables are kept
    whole (only their rows of the kept games are read)."""
    latest_cutoff = games["cutoff_utc"].max()
    # Two games at least: Polars divides a one-row column by a number exactly, a longer
    # one by its reciprocal, so a one-game frame's quotients differ in the last bit.
    first_two = snapshot.games.sort("first_pitch_utc", "game_id")["game_id"].head(2)
    kept = (
        pl.col("game_id").is_in(pl.concat([games["game_id"], first_two]).implode())
        | (pl.col("first_pitch_utc") <= latest_cutoff)
        | (result_known_at_utc() <= latest_cutoff)
        | (pl.col("season") < games["season"].max())
    )
    return dataclasses.replace(snapshot, games=snapshot.games.filter(kept))
