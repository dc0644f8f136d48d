"""Importers on the real files of ../shared/data (Retrosheet, Pinnacle, SBR)."""

import shutil
import zipfile
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from mlbcore.cli.main import main
from mlbcore.data.schema import TABLES
from mlbcore.data.snapshot import content_hash, load_snapshot, read_manifest, write_snapshot
from mlbcore.errors import MlbError
from mlbcore.features.build import build_features
from mlbcore.importers.jobs import import_pinnacle, import_retrosheet, import_sbr
from mlbcore.importers.report import RETROSHEET_NOTICE, ImportReport
from mlbcore.importers.retrosheet import read_game_logs
from mlbcore.importers.starters import apply_listings, resolve_listings


def test_retrosheet_game_log_fields(shared_data):
    games, _, report = read_game_logs([shared_data / "retrosheet" / "GL2016.TXT"])
    assert report.problems == [] and report.rows_read == games.height == 2428
    assert games["game_id"].is_unique().all()
    opener = games.filter(pl.col("game_id") == "KCA201604030").to_dicts()[0]
    assert (opener["away_team"], opener["home_team"]) == ("NYN", "KCA")
    assert (opener["away_score"], opener["home_score"]) == (3, 4)
    assert (opener["away_starting_pitcher_id"], opener["home_starting_pitcher_id"]) == (
        "harvm001",
        "volqe001",
    )
    assert (opener["park_id"], opener["day_night"], opener["doubleheader"]) == ("KAN06", "N", 0)
    assert opener["innings"] == 9  # 51 outs: home team did not bat in the ninth
    # 19:05 in Kansas City (CDT, UTC-5) is 00:05 UTC the next day.
    assert opener["first_pitch_utc"] == datetime(2016, 4, 4, 0, 5, tzinfo=UTC)
    assert opener["game_end_utc"] is None  # unknown: features use the next-morning rule


def test_franchise_codes_resolve_across_seasons(shared_data):
    games, _, _ = read_game_logs([shared_data / "retrosheet" / "GL2011.TXT"])
    assert "MIA" in games["home_team"].to_list() and "FLO" not in games["home_team"].to_list()
    assert games["home_team"].n_unique() == 30


def test_a_malformed_line_is_skipped_and_named_or_fails_with_strict(shared_data, tmp_path, capsys):
    lines = (shared_data / "retrosheet" / "GL2016.TXT").read_text(encoding="latin-1").splitlines()
    lines[4] = lines[4][:200]  # truncated mid-record
    lines[9] = lines[9].replace('"20160404"', '"2016-04-04"', 1)
    broken = tmp_path / "GL2016.TXT"
    broken.write_text("\n".join(lines) + "\n", encoding="latin-1")

    assert main(["import", "retrosheet", str(broken), "--out", str(tmp_path / "snap")]) == 0
    out = capsys.readouterr().out
    assert "read 2428 rows, imported 2426" in out and "skipped 2 malformed rows" in out
    assert f"{broken}:5: expected 161 fields, found" in out
    assert f"{broken}:10: bad date '2016-04-04'" in out
    assert RETROSHEET_NOTICE in out

    before = read_manifest(tmp_path / "snap")
    assert (
        main(["import", "retrosheet", str(broken), "--strict", "--out", str(tmp_path / "snap")])
        == 2
    )
    err = capsys.readouterr().err
    assert f"{broken}:5: expected 161 fields" in err and "--strict" in err
    assert read_manifest(tmp_path / "snap") == before  # the failed import changed nothing


def test_a_retrosheet_zip_imports_like_its_text_file(shared_data, tmp_path):
    text = shared_data / "retrosheet" / "GL2016.TXT"
    archive = tmp_path / "gl2016.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(text, "GL2016.TXT")
    import_retrosheet([text], tmp_path / "from_text")
    import_retrosheet([archive], tmp_path / "from_zip")
    assert (
        read_manifest(tmp_path / "from_text")["content_hash"]
        == read_manifest(tmp_path / "from_zip")["content_hash"]
    )


def test_imports_are_idempotent(real_snapshot_dir, shared_data, tmp_path):
    copy = tmp_path / "snap"
    shutil.copytree(real_snapshot_dir, copy)
    before = read_manifest(copy)["content_hash"]
    retro, sbr, pinnacle = (shared_data / d for d in ("retrosheet", "sbr", "pinnacle"))
    import_sbr(copy, [sbr / "mlb odds 2016.xlsx"])
    import_pinnacle(copy, pinnacle / "mlb2016_games.csv", pinnacle / "mlb2016_lines.csv.gz")
    import_retrosheet([retro / "GL2015.TXT", retro / "GL2016.TXT"], copy)
    assert read_manifest(copy)["content_hash"] == before


def test_unmatched_rows_are_listed_as_people_read_them_not_as_python_tuples():
    report = ImportReport("pinnacle")
    report.unmatched = pl.DataFrame(
        {"line": [12], "retro_game_id": ["NL201607130"], "date": [date(2016, 7, 12)]}
    ).with_columns(home=pl.lit(None, pl.String))
    lines = report.lines()
    assert lines[1:] == [
        "1 rows matched no game in the snapshot:",
        "  line 12, retro_game_id NL201607130, date 2016-07-12, home -",
    ]


def test_pinnacle_lines_attach_by_id_or_local_date_and_unmatched_games_are_listed(
    shared_data, tmp_path
):
    out = tmp_path / "snap"
    import_retrosheet([shared_data / "retrosheet" / "GL2016.TXT"], out)
    pinnacle = shared_data / "pinnacle"
    report = import_pinnacle(out, pinnacle / "mlb2016_games.csv", pinnacle / "mlb2016_lines.csv.gz")
    snapshot = load_snapshot(out)
    lines = snapshot.odds_lines
    assert lines["game_id"].n_unique() >= 2420
    # The All-Star game and the postseason are not in the regular-season game logs.
    unmatched = report.unmatched
    assert unmatched is not None and "NL201607130" in unmatched["retro_game_id"].to_list()
    assert 30 <= unmatched.height <= 45
    # Pinnacle's scheduled first pitch replaces the day/night estimate.
    games = snapshot.games.filter(pl.col("game_id").is_in(["PIT201604030", "ARI201604040"]))
    first_pitch = dict(zip(games["game_id"], games["first_pitch_utc"], strict=True))
    assert first_pitch["PIT201604030"] == datetime(2016, 4, 3, 17, 5, tzinfo=UTC)
    # The source's id for this night game carries the UTC date (ARI201604050); it is
    # matched by its local date instead.
    assert first_pitch["ARI201604040"] == datetime(2016, 4, 5, 1, 40, tzinfo=UTC)
    assert lines.filter(pl.col("game_id") == "ARI201604040").height > 0


def test_sbr_opening_line_is_a_feature_and_the_closing_line_never_is(real_snapshot_dir):
    snapshot = load_snapshot(real_snapshot_dir)
    sbr = snapshot.odds_lines.filter(pl.col("book") == "sbr").join(
        snapshot.games.select("game_id", "first_pitch_utc"), on="game_id"
    )
    before_first_pitch = sbr["first_pitch_utc"] - sbr["entered_at_utc"]
    assert set(before_first_pitch.unique().to_list()) == {timedelta(hours=24), timedelta(0)}
    assert sbr["game_id"].n_unique() > 4700
    features = build_features(snapshot).filter(pl.col("season") == 2015)
    # 2015 has only SBR: the opening line at the cutoff, never moving.
    assert features["market_no_vig_home_prob"].null_count() < 20
    assert (features["market_moneyline_moves"].drop_nulls() == 1).all()
    assert (features["market_home_prob_move"].drop_nulls() == 0).all()


def test_real_data_features_use_earlier_dates_only_and_prefer_pinnacle(real_snapshot_dir):
    snapshot = load_snapshot(real_snapshot_dir)
    features = build_features(snapshot)
    assert features.height == snapshot.games.height
    # No splits on real data: missing, and completeness says so.
    assert features["splits_ml_home_ticket_pct"].null_count() == features.height
    assert features["completeness"].max() < 1.0
    # A doubleheader's second game has not seen the first (no end times: earlier dates only).
    second = features.filter(pl.col("game_id").str.ends_with("2")).head(1).to_dicts()[0]
    first = features.filter(pl.col("game_id") == second["game_id"][:-1] + "1").to_dicts()[0]
    assert second["home_games_played"] == first["home_games_played"]
    # Early 2016 games still have last-10 form from the end of 2015.
    opener = features.filter(pl.col("game_id") == "KCA201604030").to_dicts()[0]
    assert opener["home_games_played"] == 0 and opener["home_last10_win_pct"] is not None
    assert opener["market_moneyline_moves"] > 1  # Pinnacle's history, not SBR's one line


def test_missing_files_are_one_line_errors(tmp_path, capsys):
    assert (
        main(["import", "retrosheet", str(tmp_path / "GL1999.TXT"), "--out", str(tmp_path / "s")])
        == 2
    )
    assert "GL1999.TXT does not exist" in capsys.readouterr().err
    assert (
        main(["import", "odds", "sbr", str(tmp_path / "x.xlsx"), "--data", str(tmp_path / "s")])
        == 2
    )
    assert "is not a snapshot; import games first" in capsys.readouterr().err


def test_a_file_that_is_not_a_workbook_is_refused(real_snapshot_dir, tmp_path):
    fake = tmp_path / "mlb odds 2016.xlsx"
    fake.write_text("not a workbook")
    with pytest.raises(MlbError, match="is not a readable Excel workbook"):
        import_sbr(real_snapshot_dir, [fake])


def _starter_games() -> pl.DataFrame:
    """Three games of team AAA in 2016 (away team BBB), with the game logs' starters."""
    rows = [
        ("AAA201604010", "happj001", "J.A. Happ", "verlj001", "Justin Verlander"),
        ("AAA201604020", "hellj001", "Jeremy Hellickson", "smitj001", "Joe Smith"),
        ("AAA201604030", "perew001", "Williams Perez", "smitj002", "Jim Smith"),
    ]
    return pl.DataFrame(
        {
            "game_id": [r[0] for r in rows],
            "season": [2016] * 3,
            "home_team": ["AAA"] * 3,
            "away_team": ["BBB"] * 3,
            "home_starting_pitcher_id": [r[1] for r in rows],
            "home_starting_pitcher_name": [r[2] for r in rows],
            "away_starting_pitcher_id": [r[3] for r in rows],
            "away_starting_pitcher_name": [r[4] for r in rows],
        }
    )


@pytest.mark.parametrize(
    ("game_id", "side", "listed", "listed_id", "resolved_by"),
    [
        ("AAA201604010", "home", "J A HAPP", "happj001", "name"),  # Pinnacle, two initials
        ("AAA201604010", "home", "HAPP-L", "happj001", "name"),  # SBR: surname and hand
        ("AAA201604010", "away", "JVERLANDER", "verlj001", "name"),  # no space
        ("AAA201604020", "home", "JHELICKSN-R", "hellj001", "spelling"),  # SBR abbreviation
        ("AAA201604020", "home", "D HELLICKSON", "hellj001", "spelling"),  # wrong initial
        ("AAA201604030", "home", "J HAPP", "happj001", "name"),  # another pitcher of AAA
        ("AAA201604030", "home", "JHELLICKSO-R", "hellj001", "spelling"),  # ... abbreviated
        ("AAA201604030", "away", "J SMITH", "smitj002", "name"),  # the Smith who started
        ("AAA201604010", "away", "J SMITH", None, None),  # two Smiths started for BBB
        ("AAA201604030", "home", "R HERNANDEZ", None, None),  # nobody of that name
    ],
)
def test_listed_starters_resolve_to_game_log_ids(game_id, side, listed, listed_id, resolved_by):
    listings = pl.DataFrame({"game_id": [game_id], "side": [side], "listed": [listed]})
    row = resolve_listings(listings, _starter_games()).to_dicts()[0]
    assert (row["listed_id"], row["resolved_by"]) == (listed_id, resolved_by)


def test_a_missing_listing_is_no_listing():
    listings = pl.DataFrame(
        {"game_id": ["AAA201604010"] * 2, "side": ["home", "away"], "listed": ["UNDECIDED", None]}
    )
    assert resolve_listings(listings, _starter_games()).height == 0


def test_pinnacle_listings_outrank_sbr_whatever_the_order():
    games = _starter_games().drop("home_starting_pitcher_name", "away_starting_pitcher_name")
    matched = games["game_id"]

    def listing(book_id: str | None, game_id: str = "AAA201604010") -> pl.DataFrame:
        return pl.DataFrame(
            {"game_id": [game_id], "side": ["home"], "listed_id": [book_id]},
            schema={"game_id": pl.String, "side": pl.String, "listed_id": pl.String},
        )

    def home(frame: pl.DataFrame) -> tuple:
        row = frame.filter(pl.col("game_id") == "AAA201604010").to_dicts()[0]
        return row["home_starter_listed_id"], row["home_starter_source"]

    pinnacle, sbr = listing("perew001"), listing("hellj001")
    first_sbr = apply_listings(
        apply_listings(games, sbr, matched, "sbr"), pinnacle, matched, "pinnacle"
    )
    first_pin = apply_listings(
        apply_listings(games, pinnacle, matched, "pinnacle"), sbr, matched, "sbr"
    )
    assert home(first_sbr) == home(first_pin) == ("perew001", "pinnacle")
    # Pinnacle resolving nothing keeps SBR's listing; SBR resolving nothing clears its own.
    unresolved = listing(None)
    kept = apply_listings(
        apply_listings(games, sbr, matched, "sbr"), unresolved, matched, "pinnacle"
    )
    assert home(kept) == ("hellj001", "sbr")
    cleared = apply_listings(apply_listings(games, sbr, matched, "sbr"), unresolved, matched, "sbr")
    assert home(cleared) == (None, None)
    # Games the book did not match keep what they had.
    other = apply_listings(kept, listing("perew001"), matched.head(0), "pinnacle")
    assert home(other) == ("hellj001", "sbr")


def test_real_2016_listed_starters_and_what_the_report_says(
    real_snapshot_dir, shared_data, tmp_path
):
    out = tmp_path / "snap"
    retro, sbr, pinnacle = (shared_data / d for d in ("retrosheet", "sbr", "pinnacle"))
    import_retrosheet([retro / "GL2015.TXT", retro / "GL2016.TXT"], out)
    report = import_pinnacle(out, pinnacle / "mlb2016_games.csv", pinnacle / "mlb2016_lines.csv.gz")
    notes = "\n".join(report.notes)
    assert "starters: 4852 listed" in notes and "6 of them not the game log's starter" in notes
    assert "4 listed starters matched no pitcher" in notes
    assert "SLN201608060 away: 'R HERNANDEZ' (started: carmf001)" in notes  # Fausto Carmona
    games = load_snapshot(out).games.filter(pl.col("season") == 2016)
    chacin = games.filter(pl.col("game_id") == "ATL201605110").to_dicts()[0]
    assert chacin["home_starting_pitcher_id"] == "perew001"  # Williams Perez started
    assert (chacin["home_starter_listed_id"], chacin["home_starter_source"]) == (
        "chacj001",
        "pinnacle",
    )
    carmona = games.filter(pl.col("game_id") == "SLN201608060").to_dicts()[0]
    assert carmona["away_starter_listed_id"] is None and carmona["away_starter_source"] is None
    # SBR after Pinnacle gives what Pinnacle after SBR gave (the shared snapshot).
    import_sbr(out, [sbr / "mlb odds 2015.xlsx", sbr / "mlb odds 2016.xlsx"])
    columns = ["game_id", "home_starter_listed_id", "away_starter_listed_id"]
    columns += ["home_starter_source", "away_starter_source"]
    reverse = load_snapshot(out).games.select(columns).sort("game_id")
    shared = load_snapshot(real_snapshot_dir).games.select(columns).sort("game_id")
    assert reverse.equals(shared)
    sources = shared.filter(pl.col("game_id").str.slice(3, 4) == "2016")["home_starter_source"]
    assert sources.value_counts().sort("home_starter_source").rows() == [
        (None, 1),
        ("pinnacle", 2425),
        ("sbr", 2),
    ]


def test_a_snapshot_without_the_starter_columns_loads_with_nulls_and_its_version(tmp_path):
    from mlbcore.data.schema import GAMES_ADDED
    from mlbcore.settings import DEMO_SNAPSHOT

    shutil.copytree(DEMO_SNAPSHOT, tmp_path / "demo")
    before = pl.read_parquet(tmp_path / "demo" / "games.parquet")
    assert not set(GAMES_ADDED.names()) & set(before.columns)  # written before they existed
    snapshot = load_snapshot(tmp_path / "demo")
    assert snapshot.games.select(GAMES_ADDED.names()).null_count().sum_horizontal().item() == (
        len(GAMES_ADDED) * before.height
    )
    others = {name: snapshot.table(name) for name in TABLES if name != "games"}
    assert snapshot.data_version == content_hash({"games": before, **others})
    # Written again, the data version is the same: all-null added columns are not hashed.
    write_snapshot({"games": snapshot.games, **others}, tmp_path / "again", "again")
    assert read_manifest(tmp_path / "again")["content_hash"] == snapshot.data_version


def test_sbr_doubleheader_games_pair_up_by_their_final_scores(real_snapshot_dir):
    games = load_snapshot(real_snapshot_dir).games.filter(pl.col("season") == 2015)
    doubleheaders = games.filter(pl.col("doubleheader") > 0)
    assert doubleheaders.height > 40
    # SBR's rotation numbers put 20 of 2015's second games first; paired by score, the
    # archive's starters (it lists who pitched) agree with the game log in every game.
    for side in ("home", "away"):
        listed = games.filter(pl.col(f"{side}_starter_source") == "sbr")
        assert listed.height > 2400
        differ = listed.filter(
            pl.col(f"{side}_starter_listed_id") != pl.col(f"{side}_starting_pitcher_id")
        )
        assert differ.height == 0


def _odds(rows: list[tuple]) -> pl.DataFrame:
    """Odds lines from (game, minute, moneyline home, moneyline away, total) rows."""
    return pl.DataFrame(
        [
            {
                "game_id": game,
                "book": "pinnacle",
                "entered_at_utc": datetime(2016, 4, 3, 12, minute, tzinfo=UTC),
                "moneyline_home": home,
                "moneyline_away": away,
                "total": total,
                "over_price": None if total is None else -110,
                "under_price": None if total is None else -110,
            }
            for game, minute, home, away, total in rows
        ]
    ).select(
        [
            pl.col(c).cast(t)
            if c in {"game_id", "book", "entered_at_utc"} | MARKET_COLUMNS
            else pl.lit(None, t).alias(c)
            for c, t in TABLES["odds_lines"].items()
        ]
    )


MARKET_COLUMNS = {"moneyline_home", "moneyline_away", "total", "over_price", "under_price"}


def test_an_upsert_adds_and_updates_by_key_and_market_and_never_removes():
    from mlbcore.importers.merge import ODDS_KEY, ODDS_MARKETS, upsert

    stored = _odds([("A", 0, -120, 110, 8.5), ("A", 5, -125, 115, 8.5), ("B", 0, 100, -110, 9.0)])
    incoming = _odds(
        [
            ("A", 5, -130, 120, None),  # a new moneyline at a stored time; no total posted
            ("A", 5, -130, 120, None),  # the same row again: stored once
            ("A", 9, -135, 125, 9.0),  # a new time stamp
            ("B", 0, 100, -110, 9.0),  # as stored
        ]
    )
    merged, counts = upsert(stored, incoming, ODDS_KEY, ODDS_MARKETS, skipped=3)
    assert (counts.added, counts.updated, counts.unchanged, counts.skipped) == (1, 1, 1, 3)
    assert merged.height == 4  # A at 0 (not in the file) is still there
    updated = merged.filter(
        (pl.col("game_id") == "A") & (pl.col("entered_at_utc").dt.minute() == 5)
    )
    assert updated.select("moneyline_home", "total").row(0) == (-130, 8.5)  # the total kept
    again, counts = upsert(merged, incoming, ODDS_KEY, ODDS_MARKETS)
    assert again.sort(ODDS_KEY).equals(merged.sort(ODDS_KEY)) and counts.unchanged == 3


def test_a_quote_left_open_does_not_swallow_the_next_line(shared_data, tmp_path):
    lines = (shared_data / "retrosheet" / "GL2016.TXT").read_text(encoding="latin-1").splitlines()
    assert lines[4].endswith('"')
    lines[4] = lines[4][:-1]  # its last field's closing quote lost
    broken = tmp_path / "GL2016.TXT"
    broken.write_text("".join(f"{line}\n" for line in lines[:20]), encoding="latin-1")
    games, _, report = read_game_logs([broken])
    assert report.problems == [] and games.height == 20


def test_a_cut_off_zip_is_refused_or_read_as_far_as_it_goes(shared_data, tmp_path):
    from mlbcore.errors import TruncatedInput

    text = (shared_data / "retrosheet" / "GL2016.TXT").read_bytes()
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("GL2016.TXT", text)
    cut = tmp_path / "gl2016.zip"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(TruncatedInput, match=r"ends early.*--allow-partial"):
        read_game_logs([cut])
    games, _, report = read_game_logs([cut], allow_partial=True)
    assert 900 < games.height < 2428 and len(report.problems) == 1
    assert report.problems[0].file == f"{cut}!GL2016.TXT" and "cut off" in report.problems[0].reason
    complete = read_game_logs([shared_data / "retrosheet" / "GL2016.TXT"])[0]
    same = complete.filter(pl.col("game_id").is_in(games["game_id"].implode()))
    assert games.sort("game_id").equals(same.sort("game_id"))  # each game as it is
