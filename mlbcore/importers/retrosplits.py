"""The Chadwick Baseball Bureau's retrosplits files into the ``team_games``,
``pitcher_splits`` and ``batter_splits`` tables.

Files are recognised by name: ``teams-YYYY.csv`` (one line per team per game),
``pitching-platoon-YYYY.csv`` and ``batting-platoon-YYYY.csv`` (each player's season by
platoon split). Only regular-season rows are kept. Time semantics: a team line is a
result, known once its game is over; a season's splits are known only after that season,
so a game may use prior seasons' rows, never its own (the snapshot stores them as they are;
features choose). That is why a split file may be of a snapshot season or of the season
right before one.

A teams file lists a game once per Retrosheet account of it (event file, deduced event
file, box score). One line per team and game is kept: the event file's (play by play, so
it has pitch counts and batters faced), else the deduced file's, else the box score's.

Over ~300 lines on purpose: three file formats behind one validation path.
"""

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from mlbcore.data.schema import BATTER_SPLITS, PITCHER_SPLITS, TEAM_GAMES
from mlbcore.data.teams import resolve_teams
from mlbcore.errors import MlbError
from mlbcore.importers.merge import remove, upsert
from mlbcore.importers.report import (
    ImportReport,
    Problem,
    collect_problems,
    cut_off_problems,
)
from mlbcore.importers.source_files import read_text_file

RETROSPLITS_NOTICE = (
    "Team game lines and player splits: retrosplits, by the Chadwick Baseball Bureau, "
    "made available under the Open Database License (ODbL 1.0); contents under the "
    "Database Contents License."
)

FILE_KINDS = {
    "team_games": re.compile(r"teams-(\d{4})\.csv"),
    "pitcher_splits": re.compile(r"pitching-platoon-(\d{4})\.csv"),
    "batter_splits": re.compile(r"batting-platoon-(\d{4})\.csv"),
}
REGULAR_SEASON = "R"
# Which account of a game a team line comes from, best first (see the module docstring).
SOURCE_RANK = {"evt": 0, "ded": 1, "box": 2}

TEAM_KEYS = {
    "game_key": "game.key",
    "source": "game.source",
    "game_date": "game.date",
    "phase": "season.phase",
    "alignment": "team.alignment",
    "team_key": "team.key",
}
TEAM_COUNTS = {
    "pitches": "P_PITCH",
    "batters_faced": "P_TBF",
    "outs": "P_OUT",
    "strikeouts": "P_SO",
    "walks": "P_BB",
    "hit_by_pitch": "P_HP",
    "home_runs": "P_HR",
    "runs_allowed": "P_R",
}
OPTIONAL_COUNTS = frozenset({"P_PITCH"})  # box scores have no pitch counts
SPLIT_COUNTS = {
    "plate_appearances": "B_PA",
    "at_bats": "B_AB",
    "hits": "B_H",
    "total_bases": "B_TB",
    "home_runs": "B_HR",
    "walks": "B_BB",
    "intentional_walks": "B_IBB",
    "strikeouts": "B_SO",
    "hit_by_pitch": "B_HP",
    "sacrifice_flies": "B_SF",
}
SPLIT_KEYS = {
    "pitcher_splits": {
        "year": "YEAR",
        "phase": "PHASE",
        "pitcher_id": "RESP_PIT_ID",
        "pitcher_hand": "RESP_PIT_HAND_CD",
        "batter_hand": "RESP_BAT_HAND_CD",
    },
    "batter_splits": {
        "year": "YEAR",
        "phase": "PHASE",
        "batter_id": "RESP_BAT_ID",
        "batter_hand": "RESP_BAT_HAND_CD",
        "pitcher_hand": "RESP_PIT_HAND_CD",
    },
}
# What a row is of: rows with the same key are the same row, updated by an import.
KEYS = {
    "team_games": ["game_id", "side"],
    "pitcher_splits": ["season", "pitcher_id", "pitcher_hand", "batter_hand"],
    "batter_splits": ["season", "batter_id", "batter_hand", "pitcher_hand"],
}
WHAT = "retrosplits files (teams-, pitching-platoon-, batting-platoon-YYYY.csv)"
SCHEMAS = {
    "team_games": TEAM_GAMES,
    "pitcher_splits": PITCHER_SPLITS,
    "batter_splits": BATTER_SPLITS,
}


@dataclass(frozen=True)
class RetrosplitsFile:
    path: Path
    table: str  # the snapshot table it fills
    season: int  # as its name says


@dataclass
class RetrosplitsImport:
    """What the files hold: new rows per table, the seasons of the files per table (whose
    rows ``--replace`` replaces), and the rows skipped per table."""

    tables: dict[str, pl.DataFrame]
    seasons: dict[str, list[int]]
    report: ImportReport
    files: list[RetrosplitsFile] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)


def classify(paths: list[Path], snapshot_seasons: list[int]) -> list[RetrosplitsFile]:
    """Each file's table and season from its name, refusing (one line each) a name of no
    known kind, a missing file, one kind and season given twice, and a season the snapshot
    cannot use: team lines need that season's games; splits may also be of the season
    before a snapshot season (they feed the next one)."""
    files = []
    for path in map(Path, paths):
        kinds = [(t, m) for t, p in FILE_KINDS.items() if (m := p.fullmatch(path.name))]
        if not kinds:
            raise MlbError(
                f"{path}: not a retrosplits file name; give teams-YYYY.csv, "
                "pitching-platoon-YYYY.csv or batting-platoon-YYYY.csv as published"
            )
        if path.is_dir():
            raise MlbError(f"{path} is a folder; give {WHAT}, not a folder")
        if not path.is_file():
            raise MlbError(f"{path} does not exist")
        table, match = kinds[0]
        files.append(RetrosplitsFile(path, table, int(match.group(1))))
    seen: dict[tuple[str, int], Path] = {}
    for file in files:
        if (file.table, file.season) in seen:
            raise MlbError(
                f"{file.path} and {seen[file.table, file.season]} are both {file.table} "
                f"files of {file.season}; give one file per kind and season"
            )
        seen[file.table, file.season] = file.path
    seasons = sorted(snapshot_seasons)
    span = f"{seasons[0]}-{seasons[-1]}" if seasons else "none"
    for file in files:
        usable = set(seasons) | ({s - 1 for s in seasons} if file.table != "team_games" else set())
        if file.season not in usable:
            what = "games of" if file.table == "team_games" else "games of or right after"
            raise MlbError(
                f"{file.path} is season {file.season} but the snapshot has no {what} it "
                f"(its seasons: {span}); import that season's game logs first, or leave the "
                "file out"
            )
    return files


def _cells(
    file: RetrosplitsFile, columns: dict[str, str], allow_partial: bool
) -> tuple[pl.DataFrame, Problem | None]:
    """One row per data line: its 1-based line number, the named ``columns`` (source name
    -> our name) as strings (empty cells null), and ``reason`` where the line has another
    number of cells than the header. Blank lines are not rows. Also the cut-off last line
    of a truncated file read in part (``allow_partial``)."""
    source = read_text_file(file.path, WHAT, allow_partial, "utf-8-sig")
    header = source.lines[0].split(",") if source.lines else []
    missing = [c for c in columns.values() if c not in header]
    if missing:
        raise MlbError(
            f"{file.path}:1: header lacks {', '.join(missing)}; "
            "give the file as retrosplits publishes it"
        )
    raw = pl.DataFrame(
        {"line": range(1, len(source.lines) + 1), "text": source.lines},
        schema={"line": pl.Int64, "text": pl.String},
    )
    n_cells = pl.col("cells").list.len()
    frame = (
        raw.slice(1)
        .filter(pl.col("text").str.strip_chars() != "")
        .with_columns(cells=pl.col("text").str.split(","))
        .select(
            "line",
            reason=pl.when(n_cells != len(header)).then(
                pl.format("expected {} cells, found {}", pl.lit(len(header)), n_cells)
            ),
            **{
                ours: pl.col("cells")
                .list.get(header.index(theirs), null_on_oob=True)
                .replace("", None)
                for ours, theirs in columns.items()
            },
        )
    )
    return frame, source.cut_off


def _counts(columns: dict[str, str]) -> tuple[list[pl.Expr], list[pl.Expr]]:
    """The counts cast to Int32, and a reason per count when it is missing (unless the
    source may lack it), not a whole number, or negative."""
    parsed, reasons = [], []
    for ours, theirs in columns.items():
        number = pl.col(ours).cast(pl.Int32, strict=False)
        parsed.append(number.alias(ours))
        missing = pl.lit(False) if theirs in OPTIONAL_COUNTS else pl.col(ours).is_null()
        reasons.append(
            pl.when(missing)
            .then(pl.lit(f"missing {theirs}"))
            .when(pl.col(ours).is_not_null() & number.is_null())
            .then(pl.format(f"{theirs} '{{}}' is not a whole number", pl.col(ours)))
            .when(number < 0)
            .then(pl.format(f"{theirs} {{}} is negative", number))
        )
    return parsed, reasons


def _missing(columns: dict[str, str]) -> list[pl.Expr]:
    return [pl.when(pl.col(o).is_null()).then(pl.lit(f"missing {t}")) for o, t in columns.items()]


def _check_season(file: RetrosplitsFile, seasons: pl.Series, what: str) -> None:
    """Refuse a file whose rows are of another season than its name says."""
    other = sorted(s for s in seasons.drop_nulls().unique().to_list() if s != file.season)
    if other:
        raise MlbError(
            f"{file.path} is named for {file.season} but its {what} says {other[0]}; "
            f"rename it to the season it holds or give the {file.season} file"
        )


@dataclass
class _FileRows:
    rows: pl.DataFrame
    problems: list[Problem]
    read: int
    skipped: dict[str, int]
    unmatched: pl.DataFrame | None = None


def _skipped(frame: pl.DataFrame, reason: str) -> dict[str, int]:
    return {reason: frame.height} if frame.height else {}


def read_team_games(
    file: RetrosplitsFile, games: pl.DataFrame, strict: bool, allow_partial: bool = False
) -> _FileRows:
    """The regular-season team lines of a teams file that belong to ``games``."""
    rows, cut_off = _cells(file, {**TEAM_KEYS, **TEAM_COUNTS}, allow_partial)
    read = rows.height + (cut_off is not None)
    date = pl.col("game_date").str.to_date("%Y-%m-%d", strict=False)
    rows = rows.with_columns(date=date)
    shaped = rows.filter(pl.col("reason").is_null())
    _check_season(file, shaped["date"].dt.year(), "game.date")
    regular = pl.col("phase") == REGULAR_SEASON
    counts, count_reasons = _counts(TEAM_COUNTS)
    rows = rows.with_columns(
        reason=pl.coalesce(
            "reason",
            *_missing({"phase": "season.phase"}),
            # rows of other phases are skipped, not judged
            *[pl.when(regular).then(r) for r in _missing(TEAM_KEYS)],
            pl.when(regular & ~pl.col("game_key").str.contains(r"^[A-Z0-9]{3}\d{9}$")).then(
                pl.format("game.key '{}' is not a Retrosheet game id", "game_key")
            ),
            pl.when(regular & pl.col("date").is_null()).then(
                pl.format("game.date '{}' is not a date (YYYY-MM-DD)", "game_date")
            ),
            pl.when(regular & ~pl.col("alignment").is_in(["0", "1"])).then(
                pl.format("team.alignment '{}' is neither 1 (home) nor 0 (away)", "alignment")
            ),
            *[pl.when(regular).then(r) for r in count_reasons],
        )
    ).with_columns(counts)
    problems = collect_problems(rows, "reason", str(file.path), "line", strict)
    problems += cut_off_problems(cut_off, strict)
    good = rows.filter(pl.col("reason").is_null())
    skipped = _skipped(good.filter(~regular), "not regular season")
    good = good.filter(regular).with_columns(season=pl.col("date").dt.year())
    # Team codes as the snapshot spells them (FLO is the Marlins' code until 2011).
    good = resolve_teams(
        good.with_columns(home_code=pl.col("game_key").str.slice(0, 3)),
        ["team_key", "home_code"],
        "season",
        scheme="retrosheet",
    )
    unknown = good.filter(pl.col("team_key").is_null() | pl.col("home_code").is_null())
    problems += collect_problems(
        unknown.with_columns(reason=pl.lit("team code not in the team registry")),
        "reason",
        str(file.path),
        "line",
        strict,
    )
    good = good.filter(pl.col("team_key").is_not_null() & pl.col("home_code").is_not_null())
    good = good.with_columns(
        game_id=pl.col("home_code") + pl.col("game_key").str.slice(3),
        side=pl.when(pl.col("alignment") == "1").then(pl.lit("home")).otherwise(pl.lit("away")),
        rank=pl.col("source").replace_strict(SOURCE_RANK, default=len(SOURCE_RANK)),
    )
    best = pl.col("rank") == pl.col("rank").min().over("game_id", "side")
    first = pl.int_range(pl.len()).over("game_id", "side", pl.col("rank")) == 0
    kept = good.filter(best & first)
    skipped |= _skipped(
        good.filter(~(best & first)), "second accounts of a line (a box score after the event file)"
    )
    ids = games["game_id"].implode()
    unmatched = kept.filter(~pl.col("game_id").is_in(ids))
    return _FileRows(
        rows=kept.filter(pl.col("game_id").is_in(ids)).select(
            pl.col("game_id"),
            pl.col("team_key").alias("team"),
            "side",
            *TEAM_COUNTS,
        ),
        problems=problems,
        read=read,
        skipped=skipped,
        unmatched=unmatched.select("game_id", team="team_key").sort("game_id", "team"),
    )


def read_splits(file: RetrosplitsFile, strict: bool, allow_partial: bool = False) -> _FileRows:
    """The regular-season rows of a platoon file, one per player and pair of hands."""
    keys = SPLIT_KEYS[file.table]
    rows, cut_off = _cells(file, {**keys, **SPLIT_COUNTS}, allow_partial)
    read = rows.height + (cut_off is not None)
    rows = rows.with_columns(season=pl.col("year").cast(pl.Int32, strict=False))
    _check_season(file, rows.filter(pl.col("reason").is_null())["season"], "YEAR column")
    regular = pl.col("phase") == REGULAR_SEASON
    counts, count_reasons = _counts(SPLIT_COUNTS)
    rows = rows.with_columns(
        reason=pl.coalesce(
            "reason",
            *_missing({"phase": "PHASE"}),
            *[pl.when(regular).then(r) for r in _missing(keys)],
            pl.when(regular & pl.col("season").is_null()).then(
                pl.format("YEAR '{}' is not a year", "year")
            ),
            *[pl.when(regular).then(r) for r in count_reasons],
        )
    ).with_columns(counts)
    problems = collect_problems(rows, "reason", str(file.path), "line", strict)
    problems += cut_off_problems(cut_off, strict)
    good = rows.filter(pl.col("reason").is_null())
    skipped = _skipped(good.filter(~regular), "not regular season")
    good = good.filter(regular)
    # Hand "B" or "?" marks the odd plate appearance against a switch-pitcher: no platoon side.
    hands = pl.col("pitcher_hand").is_in(["L", "R"]) & pl.col("batter_hand").is_in(["L", "R"])
    skipped |= _skipped(good.filter(~hands), "with a hand neither L nor R")
    schema = SCHEMAS[file.table]
    return _FileRows(
        rows=good.filter(hands).select([pl.col(c).cast(t) for c, t in schema.items()]),
        problems=problems,
        read=read,
        skipped=skipped,
    )


def read_retrosplits(
    paths: list[Path], games: pl.DataFrame, strict: bool, allow_partial: bool = False
) -> RetrosplitsImport:
    """The rows of every file in ``paths`` for a snapshot with these ``games``; refuses
    (MlbError, one line) a file that is of no known kind, unreadable, truncated (unless
    ``allow_partial``) or of a wrong season."""
    files = classify(paths, games["season"].unique().to_list())
    report = ImportReport(source="retrosplits")
    parts: dict[str, list[pl.DataFrame]] = {name: [] for name in SCHEMAS}
    skipped = dict.fromkeys(SCHEMAS, 0)
    unmatched = []
    for file in files:
        if file.table == "team_games":
            read = read_team_games(file, games, strict, allow_partial)
            unmatched.append(read.unmatched)
        else:
            read = read_splits(file, strict, allow_partial)
        parts[file.table].append(read.rows)
        report.rows_read += read.read
        report.rows_imported += read.rows.height
        report.problems += read.problems
        skipped[file.table] += len(read.problems) + (
            read.unmatched.height if read.unmatched is not None else 0
        )
        not_kept = ", ".join(f"{n} {why}" for why, n in read.skipped.items())
        report.notes.append(
            f"{file.path}: {read.rows.height} rows into {file.table}"
            + (f"; skipped {not_kept}" if not_kept else "")
        )
    tables = {
        name: pl.concat(frames) if frames else pl.DataFrame(schema=SCHEMAS[name])
        for name, frames in parts.items()
    }
    if unmatched:
        report.unmatched = pl.concat(unmatched)
    per_table = ", ".join(f"{frame.height} {name}" for name, frame in tables.items())
    report.notes.insert(0, f"imported rows per table: {per_table}")
    seasons = {name: sorted(f.season for f in files if f.table == name) for name in SCHEMAS}
    return RetrosplitsImport(tables, seasons, report, files, skipped)


def merge_retrosplits(
    previous: dict[str, pl.DataFrame],
    imported: RetrosplitsImport,
    games: pl.DataFrame,
    replace: bool = False,
) -> dict[str, pl.DataFrame]:
    """The three tables after the import, with the counts in the import's report. A row
    is added or updated by its key (a team line by game and side, a split row by season,
    player and hands); rows the files do not mention stay. With ``replace`` a file's
    season replaces that season's rows of its table (team lines: of the snapshot's games
    of that season)."""
    merged, counts = {}, {}
    for name, key in KEYS.items():
        merged[name], counts[name] = upsert(
            previous[name], imported.tables[name], key, skipped=imported.skipped.get(name, 0)
        )
        seasons = imported.seasons[name]
        if replace and seasons:
            of_seasons = (
                pl.col("game_id").is_in(
                    games.filter(pl.col("season").is_in(seasons))["game_id"].implode()
                )
                if name == "team_games"
                else pl.col("season").is_in(seasons)
            )
            merged[name], removed = remove(
                merged[name], of_seasons, imported.tables[name].select(key)
            )
            counts[name] = dataclasses.replace(counts[name], removed=removed)
    imported.report.tables = {n: c for n, c in counts.items() if imported.seasons[n]}
    return merged
