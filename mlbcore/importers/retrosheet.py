"""Retrosheet game logs (``GLYYYY.TXT``, or the ``glYYYY.zip`` Retrosheet publishes) into
the ``games`` and ``lineups`` tables.

Game logs have no start times and no end times. First pitch is estimated from the
day/night flag (13:05 or 19:05 at the park, in its time zone; a Pinnacle import later
replaces the estimate with the scheduled time), and ``game_end_utc`` stays null, so the
features count a result only from 10:00 UTC the next day: only games on earlier dates.
A game suspended and completed on a later date gets that later date's morning as its
end, so its result is not known before it was.

Starting lineups (batting order, player, position) are known at the cutoff: clubs post
them to the league and the public hours before first pitch, so a feature built from them
an hour before the game uses nothing the game itself decided. A side whose lineup is
malformed is skipped (named with file and line; a snapshot keeps the lineup it had); its
game is still imported.

A line is malformed (named, skipped) when it has the wrong number of fields or a value
no game can have: a date of no season, a negative score, a length beyond 240 outs. A
file none of whose lines is a game is refused, as are empty, binary and cut-off files
(see ``source_files``).

Over ~300 lines on purpose: one file format, its validation and its report.
"""

import csv
import zipfile
from pathlib import Path

import polars as pl

from mlbcore.data.schema import GAMES, LINEUPS, UTC
from mlbcore.data.teams import local_time_zones, per_time_zone, resolve_teams
from mlbcore.data.timing import UNKNOWN_END_KNOWN_AT
from mlbcore.errors import MlbError
from mlbcore.importers.report import (
    ImportReport,
    Problem,
    TableCounts,
    collect_problems,
    cut_off_problems,
)
from mlbcore.importers.source_files import (
    MAX_LINE_CHARS,
    ZIP_MAGIC,
    SourceText,
    file_bytes,
    text_lines,
    zip_members,
)
from mlbcore.importers.values import season_problem

N_FIELDS = 161
# 0-based positions of the fields we use (glfields.txt numbers them from 1)
FIELD = {
    "date": 0,
    "game_number": 1,
    "away_team": 3,
    "home_team": 6,
    "away_score": 9,
    "home_score": 10,
    "outs": 11,
    "day_night": 12,
    "completion": 13,
    "park_id": 16,
    "away_starting_pitcher_id": 101,
    "away_starting_pitcher_name": 102,
    "home_starting_pitcher_id": 103,
    "home_starting_pitcher_name": 104,
}
LOCAL_START = {"D": (13, 5), "N": (19, 5)}
# Starting players: 9 (id, name, position) triplets per side, visitors from field 106 and
# home from field 133 (1-based, glfields.txt), in batting order.
LINEUP_START = {"away": 105, "home": 132}
LINEUP_FIELDS = 27
BATTERS = 9  # lineup rows per side
POSITIONS = range(1, 11)  # 1 pitcher ... 9 right field, 10 designated hitter
# The longest game on record went 26 innings (156 outs); more than this is damage.
MAX_OUTS = 240
WHAT = "Retrosheet game logs (GLYYYY.TXT or glYYYY.zip)"


def _log_texts(path: Path, allow_partial: bool) -> list[SourceText]:
    """The lines of every game log in a TXT file or a Retrosheet zip."""
    data = file_bytes(path, WHAT)
    if data.startswith(ZIP_MAGIC) or zipfile.is_zipfile(path):
        members = zip_members(path, data, ".TXT", WHAT, allow_partial)
        if not members:
            raise MlbError(f"{path} holds no game log (no .TXT file in it); give {WHAT}")
        return [
            text_lines(name, content, "latin-1", WHAT, allow_partial, cut)
            for name, content, cut in members
        ]
    if path.suffix.lower() == ".zip":
        raise MlbError(f"{path} is not a zip archive; give {WHAT}")
    return [text_lines(str(path), data, "latin-1", WHAT, allow_partial)]


def _fields(line: str) -> list[str] | None:
    """A line's fields, each line on its own (an unclosed quote must not swallow the next
    line); None for a line too long to be a game."""
    if len(line) > MAX_LINE_CHARS:
        return None
    return next(csv.reader([line]), [])


def _rows(source: SourceText) -> pl.DataFrame:
    """One row per line: its number, its fields, and why it is malformed (else null)."""
    frame = pl.DataFrame(
        {
            "file": source.name,
            "line": range(1, len(source.lines) + 1),
            "text": source.lines,
            "fields": list(map(_fields, source.lines)),
        },
        schema={
            "file": pl.String,
            "line": pl.Int64,
            "text": pl.String,
            "fields": pl.List(pl.String),
        },
    ).filter(pl.col("text").str.strip_chars() != "")  # blank lines are not games
    wide = frame.with_columns(
        n_fields=pl.col("fields").list.len(), n_chars=pl.col("text").str.len_chars()
    ).drop("text")
    good_shape = pl.col("n_fields") == N_FIELDS
    get = {
        k: pl.when(good_shape).then(pl.col("fields").list.get(i, null_on_oob=True))
        for k, i in FIELD.items()
    }
    parsed = wide.with_columns(
        date_text=get["date"],
        date=get["date"].str.to_date("%Y%m%d", strict=False),
        game_number=get["game_number"],
        away_team=get["away_team"],
        home_team=get["home_team"],
        away_score_text=get["away_score"],
        home_score_text=get["home_score"],
        away_score=get["away_score"].cast(pl.Int16, strict=False),
        home_score=get["home_score"].cast(pl.Int16, strict=False),
        outs_text=get["outs"].replace("", None),
        outs=get["outs"].cast(pl.Int16, strict=False),
        day_night=get["day_night"],
        completion=get["completion"],
        park_id=get["park_id"],
        away_starting_pitcher_id=get["away_starting_pitcher_id"],
        home_starting_pitcher_id=get["home_starting_pitcher_id"],
        away_starting_pitcher_name=get["away_starting_pitcher_name"],
        home_starting_pitcher_name=get["home_starting_pitcher_name"],
        **{
            f"{side}_lineup": pl.when(good_shape).then(
                pl.col("fields").list.slice(start, LINEUP_FIELDS)
            )
            for side, start in LINEUP_START.items()
        },
    )
    outs = pl.col("outs")
    # The first reason that holds names the line (a malformed line fails many checks).
    reason = pl.coalesce(
        pl.when(pl.col("fields").is_null()).then(
            pl.format("a line of {} characters is no game log line", pl.col("n_chars"))
        ),
        pl.when(~good_shape).then(
            pl.format("expected {} fields, found {}", pl.lit(N_FIELDS), pl.col("n_fields"))
        ),
        pl.when(pl.col("date").is_null()).then(pl.format("bad date '{}'", pl.col("date_text"))),
        season_problem(pl.col("date"), pl.col("date"), "date"),
        *[
            pl.when(pl.col(f"{side}_score").is_null())
            .then(pl.format(f"{side} score '{{}}' is not a number", f"{side}_score_text"))
            .when(pl.col(f"{side}_score") < 0)
            .then(pl.format(f"{side} score {{}} is negative", f"{side}_score"))
            for side in ("home", "away")
        ],
        pl.when(
            pl.col("outs_text").is_not_null() & (outs.is_null() | ~outs.is_between(0, MAX_OUTS))
        ).then(pl.format(f"outs {{}} is not the length of a game (0-{MAX_OUTS})", "outs_text")),
        pl.when(~pl.col("game_number").is_in(["0", "1", "2", "3", "A", "B"])).then(
            pl.format("bad game number {}", pl.col("game_number"))
        ),
        pl.when(~pl.col("day_night").is_in(["D", "N"])).then(
            pl.format("day/night flag {} is neither D nor N", pl.col("day_night"))
        ),
    )
    return parsed.with_columns(reason=reason).drop(
        "fields", "n_fields", "n_chars", "date_text", "home_score_text", "away_score_text",
        "outs_text",
    )  # fmt: skip


def _first_pitch_utc(games: pl.DataFrame) -> pl.Series:
    """Estimated first pitch: 13:05 or 19:05 local, in the park's zone (DST included)."""
    zones = local_time_zones(games)
    local = games.select(
        pl.col("date").dt.combine(
            pl.when(pl.col("day_night") == "D").then(pl.time(13, 5)).otherwise(pl.time(19, 5))
        )
    ).to_series()
    return per_time_zone(
        zones,
        lambda zone: local.dt.replace_time_zone(zone, non_existent="null").dt.convert_time_zone(
            "UTC"
        ),
        UTC,
    ).alias("first_pitch_utc")


def _lineups(games: pl.DataFrame, strict: bool) -> tuple[pl.DataFrame, list[Problem]]:
    """The ``lineups`` rows of ``games`` (with their file, line and ``*_lineup`` fields),
    and a problem for each side whose lineup has a missing id or an unknown position."""
    sides = pl.concat(
        [
            games.select("file", "line", "game_id", side=pl.lit(side), cells=f"{side}_lineup")
            for side in LINEUP_START
        ]
    )
    slots = sides.with_columns(
        batting_order=pl.int_ranges(1, 10, dtype=pl.Int8),
        player_id=pl.col("cells").list.gather_every(3, offset=0),
        position_text=pl.col("cells").list.gather_every(3, offset=2),
    ).explode("batting_order", "player_id", "position_text")
    slots = slots.with_columns(
        player_id=pl.col("player_id").str.strip_chars().replace("", None),
        position=pl.col("position_text").cast(pl.Int8, strict=False),
    )
    slot_reason = (
        pl.when(pl.col("player_id").is_null())
        .then(pl.format("{} lineup: batting order {} has no player id", "side", "batting_order"))
        .when(~pl.col("position").is_in(list(POSITIONS)).fill_null(False))
        .then(
            pl.format(
                "{} lineup: batting order {} has position '{}', not 1-10",
                "side",
                "batting_order",
                "position_text",
            )
        )
    )
    # One bad slot spoils its side's lineup: the first one found is the side's reason.
    slots = slots.with_columns(reason=slot_reason.drop_nulls().first().over("game_id", "side"))
    problems = collect_problems(
        slots.unique(["game_id", "side"], keep="first", maintain_order=True),
        "reason",
        "",  # each row names its own file
        "line",
        strict,
    )
    lineups = slots.filter(pl.col("reason").is_null()).select(
        *[pl.col(c).cast(t) for c, t in LINEUPS.items()]
    )
    return lineups, problems


def _refuse_if_no_game(source: SourceText, rows: pl.DataFrame) -> None:
    """A file none of whose lines is a game is the wrong file, not a file with bad lines."""
    if rows.is_empty():
        raise MlbError(f"{source.name} holds no complete game log line; give {WHAT}")
    if rows["reason"].null_count() == 0:
        first = rows.row(0, named=True)
        raise MlbError(
            f"{source.name}: none of its {rows.height} lines is a game log line "
            f"(line {first['line']}: {first['reason']}); give {WHAT}"
        )


def read_game_logs(
    paths: list[Path], strict: bool = False, allow_partial: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame, ImportReport]:
    """The ``games`` and ``lineups`` tables of every game log in ``paths``, and what was
    skipped. Every file is read and checked before any row is used, so a bad file refuses
    the whole import."""
    report = ImportReport(source="retrosheet")
    parts = []
    sources = [source for path in paths for source in _log_texts(Path(path), allow_partial)]
    for source in sources:
        rows = _rows(source)
        _refuse_if_no_game(source, rows)
        report.rows_read += rows.height + (source.cut_off is not None)
        report.problems += collect_problems(rows, "reason", source.name, "line", strict)
        report.problems += cut_off_problems(source.cut_off, strict)
        parts.append(rows.filter(pl.col("reason").is_null()))
    rows = pl.concat(parts).with_columns(season=pl.col("date").dt.year().cast(pl.Int32))
    rows = resolve_teams(rows, ["home_team", "away_team"], "season", scheme="retrosheet")
    unknown = rows.filter(pl.col("home_team").is_null() | pl.col("away_team").is_null())
    if unknown.height:
        unknown_problems = collect_problems(
            unknown.with_columns(reason=pl.lit("team code not in the team registry")),
            "reason",
            "",  # each row names its own file
            "line",
            strict,
        )
        report.problems += unknown_problems
        rows = rows.filter(pl.col("home_team").is_not_null() & pl.col("away_team").is_not_null())
    if rows.is_empty():
        raise MlbError(
            f"no line of {', '.join(map(str, paths))} is a game that can be imported "
            f"(first: {report.problems[0]}); give {WHAT}"
        )

    completed_later = pl.col("completion").str.slice(0, 8).str.to_date("%Y%m%d", strict=False)
    games = rows.with_columns(
        game_id=pl.col("home_team") + pl.col("date").dt.strftime("%Y%m%d") + pl.col("game_number"),
        doubleheader=pl.col("game_number").replace_strict(
            {"0": 0, "1": 1, "2": 2, "3": 3, "A": 1, "B": 2}, return_dtype=pl.Int8
        ),
        innings=(pl.col("outs").cast(pl.Float64) / 6).ceil().cast(pl.Int8),
        game_end_utc=(
            completed_later.cast(pl.Datetime("us")) + UNKNOWN_END_KNOWN_AT
        ).dt.replace_time_zone("UTC"),
        home_starting_pitcher_id=pl.col("home_starting_pitcher_id").replace("", None),
        away_starting_pitcher_id=pl.col("away_starting_pitcher_id").replace("", None),
        home_starting_pitcher_name=pl.col("home_starting_pitcher_name").replace("", None),
        away_starting_pitcher_name=pl.col("away_starting_pitcher_name").replace("", None),
    )
    games = games.with_columns(_first_pitch_utc(games))
    # The same game in two files (a season imported twice): keep one copy.
    games = games.unique("game_id", keep="first", maintain_order=True)
    lineups, lineup_problems = _lineups(games, strict)
    report.problems += lineup_problems
    names = ["home_starting_pitcher_name", "away_starting_pitcher_name"]
    games = games.select(*[pl.col(c).cast(t) for c, t in GAMES.items()], *names)
    report.rows_imported = games.height
    report.tables = {
        "games": TableCounts(skipped=len(report.problems) - len(lineup_problems)),
        "lineups": TableCounts(skipped=len(lineup_problems) * BATTERS),
    }
    if lineup_problems:
        report.notes.append(f"lineups: {len(lineup_problems)} sides skipped (9 rows each)")
    return games, lineups, report
