"""The sportsbookreviewsonline MLB odds archive (one workbook a season, two rows a game:
visitor then home) attached to the games of a snapshot.

The archive has no time stamps. The opening line was posted before the cutoff, so it is
stamped 24 hours before first pitch and may be a feature. The closing line is the last
before first pitch: it is stamped at first pitch, after every cutoff, so features never
see it and evaluation can (closing-line value).
"""

import dataclasses
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import polars as pl

from mlbcore.data.schema import ODDS_LINES
from mlbcore.data.teams import resolve_teams
from mlbcore.errors import MlbError, TruncatedInput
from mlbcore.importers.matching import game_sequence, match_games
from mlbcore.importers.merge import ODDS_KEY, ODDS_MARKETS, remove, upsert
from mlbcore.importers.report import ImportReport, collect_problems
from mlbcore.importers.source_files import ZIP_MAGIC, file_bytes
from mlbcore.importers.starters import apply_listings, listing_notes, listings_of, resolve_listings
from mlbcore.importers.values import finite, finite_problem, price, price_problem, season_problem

BOOK = "sbr"
OPEN_STAMP = timedelta(hours=24)  # before first pitch; any stamp before the cutoff would do
COLUMNS = {  # position in the sheet -> our name (two price columns have no header)
    0: "mmdd", 1: "rot", 2: "vh", 3: "team", 4: "pitcher", 14: "final", 15: "open",
    16: "close", 17: "run_line", 18: "open_total", 19: "open_total_price",
    20: "close_total", 21: "close_total_price",
}  # fmt: skip
PRICES = ("open", "close", "open_total_price", "close_total_price")
WHAT = "the archive's season workbooks (mlb odds YYYY.xlsx)"


def season_of(path: Path) -> int:
    found = re.findall(r"(?<!\d)(\d{4})(?!\d)", path.stem)
    if not found:
        raise MlbError(
            f"{path}: cannot tell the season; name the file with its year (mlb odds 2016.xlsx)"
        )
    return int(found[-1])


def read_workbook(path: Path, strict: bool) -> tuple[pl.DataFrame, list]:
    """One row per sheet row with parsed values and why it is malformed (else null). A
    row whose partner (visitor or home row of its game) is malformed is skipped and named
    too: a game needs both."""
    data = file_bytes(path, WHAT)
    if data.startswith(ZIP_MAGIC) and not zipfile.is_zipfile(path):
        raise TruncatedInput(f"{path} is truncated (the workbook ends early); download it again")
    try:
        sheet = pl.read_excel(path, infer_schema_length=0)
    except Exception as error:  # fastexcel raises its own types for non-workbooks
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise MlbError(f"{path} is not a readable Excel workbook ({first})") from None
    if sheet.width < 22:
        raise MlbError(f"{path}: expected the archive's 22 columns, found {sheet.width}")
    season = season_of(path)
    rows = sheet.select(
        [pl.col(sheet.columns[i]).alias(name) for i, name in COLUMNS.items()]
    ).with_columns(line=pl.int_range(2, sheet.height + 2), season=pl.lit(season, pl.Int32))
    # "403" is April 3rd of the file's season; anything that is no date of it is null.
    mmdd = pl.col("mmdd").cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)
    rows = rows.with_columns(
        date=(pl.col("season") * 10_000 + mmdd).cast(pl.String).str.to_date("%Y%m%d", strict=False),
        rot_number=pl.col("rot").cast(pl.Int32, strict=False),
        final_score=pl.col("final").cast(pl.Int16, strict=False),
        **{f"{p}_parsed": price(pl.col(p)) for p in PRICES},
        open_total_parsed=finite(pl.col("open_total")),
        close_total_parsed=finite(pl.col("close_total")),
        run_line_value=finite(pl.col("run_line").str.extract(r"^\s*([+-]?\d+(?:\.\d+)?)")),
        run_line_price=price(pl.col("run_line").str.extract(r"\(([+-]?\d+)\)")),
    )
    rows = rows.with_columns(
        # A visitor row is followed by its home row; anything else breaks the pair.
        pair_ok=pl.when(pl.col("vh") == "V")
        .then(pl.col("vh").shift(-1) == "H")
        .when(pl.col("vh") == "H")
        .then(pl.col("vh").shift(1) == "V")
        .otherwise(False)
    )
    own_reason = pl.coalesce(
        pl.when(pl.col("date").is_null()).then(pl.format("bad date {}", pl.col("mmdd"))),
        season_problem(pl.col("date"), pl.col("date"), "date"),
        pl.when(~pl.col("vh").is_in(["V", "H"])).then(
            pl.format("VH is {}, not V or H", pl.col("vh"))
        ),
        pl.when(pl.col("team").is_null()).then(pl.lit("no team")),
        pl.when(pl.col("final_score").is_null()).then(
            pl.format("final score {} is not a number", pl.col("final"))
        ),
        pl.when(pl.col("final_score") < 0).then(
            pl.format("final score {} is negative", pl.col("final_score"))
        ),
        price_problem(pl.col("open"), "opening moneyline"),
        price_problem(pl.col("close"), "closing moneyline"),
        price_problem(pl.col("open_total_price"), "opening total price"),
        price_problem(pl.col("close_total_price"), "closing total price"),
        finite_problem(pl.col("open_total"), "opening total"),
        finite_problem(pl.col("close_total"), "closing total"),
        pl.when(~pl.col("pair_ok")).then(pl.lit("not part of a visitor/home pair of rows")),
    )
    rows = rows.with_columns(own=own_reason)
    partner = pl.when(pl.col("vh") == "V").then(pl.lit("home")).otherwise(pl.lit("visitor"))
    partner_reason = (
        pl.when(pl.col("vh") == "V").then(pl.col("own").shift(-1)).otherwise(pl.col("own").shift(1))
    )
    partner_line = (
        pl.when(pl.col("vh") == "V")
        .then(pl.col("line").shift(-1))
        .otherwise(pl.col("line").shift(1))
    )
    rows = rows.with_columns(
        reason=pl.coalesce(
            "own",
            pl.when(partner_reason.is_not_null()).then(
                pl.format("its {} row {} was skipped", partner, partner_line)
            ),
        )
    ).drop("own")
    problems = collect_problems(rows, "reason", str(path), "line", strict)
    return rows.filter(pl.col("reason").is_null()), problems


def _pairs(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per game from its visitor and home rows."""
    rows = rows.with_columns(pair=(pl.col("vh") == "V").cum_sum())
    visitor = rows.filter(pl.col("vh") == "V")
    home = rows.filter(pl.col("vh") == "H")
    return visitor.join(home, on="pair", suffix="_home").select(
        "line",
        "date",
        "season",
        pl.col("rot_number").alias("rot"),
        away_team=pl.col("team"),
        home_team=pl.col("team_home"),
        source_home_team=pl.col("team_home"),
        away_listed=pl.col("pitcher"),
        home_listed=pl.col("pitcher_home"),
        away_final=pl.col("final_score"),
        home_final=pl.col("final_score_home"),
        moneyline_away_open=pl.col("open_parsed"),
        moneyline_home_open=pl.col("open_parsed_home"),
        moneyline_away_close=pl.col("close_parsed"),
        moneyline_home_close=pl.col("close_parsed_home"),
        # The visitor's row carries the over price, the home row's the under price.
        total_open=pl.coalesce("open_total_parsed", "open_total_parsed_home"),
        over_open=pl.col("open_total_price_parsed"),
        under_open=pl.col("open_total_price_parsed_home"),
        total_close=pl.coalesce("close_total_parsed", "close_total_parsed_home"),
        over_close=pl.col("close_total_price_parsed"),
        under_close=pl.col("close_total_price_parsed_home"),
        run_line_home=pl.col("run_line_value_home"),
        run_line_home_price=pl.col("run_line_price_home"),
        run_line_away_price=pl.col("run_line_price"),
    )


def _game_of_day(pairs: pl.DataFrame, games: pl.DataFrame) -> pl.Series:
    """Which of the home team's games that date each pair is: the game with the same final
    score where that tells them apart, else the order of rotation numbers (which in 2016
    put the second game of 7 doubleheaders first: their starters gave it away)."""
    by_score = (
        games.select("date", "home_team", "doubleheader", "home_score", "away_score")
        .with_columns(game_sequence("doubleheader"))
        .filter(pl.len().over("date", "home_team", "home_score", "away_score") == 1)
        .select("date", "home_team", "home_score", "away_score", by_score=pl.col("seq"))
    )
    return (
        pairs.with_columns(game_sequence("rot"))
        .join(
            by_score,
            left_on=["date", "home_team", "home_final", "away_final"],
            right_on=["date", "home_team", "home_score", "away_score"],
            how="left",
            maintain_order="left",
        )
        .select(pl.coalesce("by_score", "seq"))
        .to_series()
        .alias("seq")
    )


def attach_sbr(
    games: pl.DataFrame,
    odds_lines: pl.DataFrame,
    paths: list[Path],
    strict: bool = False,
    replace: bool = False,
) -> tuple[pl.DataFrame, pl.DataFrame, ImportReport]:
    """``games`` with the archive's announced starters where no Pinnacle listing outranks
    them, ``odds_lines`` with each matched game's opening and closing lines from the
    archive added or updated (with ``replace``, this book's other lines of those games
    go), and the report."""
    report = ImportReport(source="sbr " + ", ".join(map(str, paths)))
    parts = []
    for path in paths:
        rows, problems = read_workbook(Path(path), strict)
        report.rows_read += rows.height + len(problems)
        report.problems += problems
        parts.append(_pairs(rows))
    pairs = pl.concat(parts)
    pairs = resolve_teams(pairs, ["home_team", "away_team"], "season", scheme="sbr")
    pairs = pairs.with_columns(
        retro_game_id=pl.lit(None, pl.String), seq=_game_of_day(pairs, games)
    )
    matched = match_games(pairs, games)
    report.unmatched = matched.filter(pl.col("game_id").is_null()).select(
        "line", "date", home=pl.col("source_home_team"), rot=pl.col("rot")
    )
    found = matched.filter(pl.col("game_id").is_not_null()).join(
        games.select("game_id", "first_pitch_utc"), on="game_id"
    )
    stamped = [
        found.select(
            "game_id",
            book=pl.lit(BOOK),
            entered_at_utc=pl.col("first_pitch_utc") - stamp,
            moneyline_home=pl.col(f"moneyline_home_{when}"),
            moneyline_away=pl.col(f"moneyline_away_{when}"),
            total=pl.col(f"total_{when}"),
            over_price=pl.col(f"over_{when}"),
            under_price=pl.col(f"under_{when}"),
            # The archive's single run line is the closing one.
            run_line_home=pl.col("run_line_home") if when == "close" else pl.lit(None, pl.Float64),
            run_line_home_price=pl.col("run_line_home_price")
            if when == "close"
            else pl.lit(None, pl.Int32),
            run_line_away_price=pl.col("run_line_away_price")
            if when == "close"
            else pl.lit(None, pl.Int32),
        )
        for when, stamp in (("open", OPEN_STAMP), ("close", timedelta(0)))
    ]
    new_lines = pl.concat(stamped).select([pl.col(c).cast(t) for c, t in ODDS_LINES.items()])
    report.rows_imported = found.height
    # Every game stored is two sheet rows and two lines, so the rows not stored (malformed,
    # unpaired or of no game in the snapshot) are the lines skipped.
    merged, line_counts = upsert(
        odds_lines,
        new_lines,
        ODDS_KEY,
        ODDS_MARKETS,
        skipped=report.rows_read - 2 * found.height,
    )
    if replace:
        ours = (pl.col("book") == BOOK) & pl.col("game_id").is_in(found["game_id"].implode())
        merged, removed = remove(merged, ours, new_lines.select(ODDS_KEY))
        line_counts = dataclasses.replace(line_counts, removed=removed)
    listings = listings_of(found)
    resolved = resolve_listings(listings, games)
    report.notes += listing_notes(games, listings.height, resolved)
    listed = apply_listings(games, resolved, found["game_id"], BOOK)
    _, game_counts = upsert(
        games,
        listed.filter(pl.col("game_id").is_in(found["game_id"].implode())),
        ["game_id"],
        skipped=-(-(report.rows_read - 2 * found.height) // 2),  # two rows a game
    )
    report.tables = {"games": game_counts, "odds_lines": line_counts}
    return listed, merged, report
