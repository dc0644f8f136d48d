"""Starting lineups from the game logs and the retrosplits importer, on the real files of
../shared/data (Retrosheet game logs 2015-2016, retrosplits team lines and splits)."""

import csv
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from mlbcore.cli.main import main
from mlbcore.data.schema import ADDED_TABLES
from mlbcore.data.snapshot import MANIFEST, content_hash, load_snapshot, read_manifest
from mlbcore.importers.jobs import import_retrosheet, import_retrosplits
from mlbcore.importers.report import RETROSHEET_NOTICE
from mlbcore.importers.retrosheet import LINEUP_START, read_game_logs
from mlbcore.importers.retrosplits import RETROSPLITS_NOTICE

OPENER = "KCA201604030"  # NYN at KCA, 2016-04-03: the first game of 2016


@pytest.fixture(scope="module")
def games_only(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Retrosheet 2015-2016 game logs, nothing else."""
    out = tmp_path_factory.mktemp("retrosplits") / "snapshot"
    retro = shared_data / "retrosheet"
    import_retrosheet([retro / "GL2015.TXT", retro / "GL2016.TXT"], out)
    return out


@pytest.fixture
def snap(games_only: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "snap"
    shutil.copytree(games_only, copy)
    return copy


def _splits(shared_data: Path, name: str) -> Path:
    return shared_data / "retrosplits" / name


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as f:
        return list(csv.reader(f))


def _write(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("".join(",".join(r) + "\n" for r in rows))
    return path


def _import(snap: Path, *paths: Path, strict: bool = False) -> int:
    return main(
        ["import", "retrosplits", *map(str, paths), "--data", str(snap)]
        + (["--strict"] if strict else [])
    )


def test_lineups_are_the_game_logs_starting_players(shared_data, games_only):
    log = shared_data / "retrosheet" / "GL2016.TXT"
    raw = next(
        f for f in csv.reader(log.read_text(encoding="latin-1").splitlines()) if f[0] == "20160403"
    )
    lineups = load_snapshot(games_only).lineups.filter(pl.col("game_id") == OPENER)
    assert lineups.height == 18
    for side, start in LINEUP_START.items():
        listed = lineups.filter(pl.col("side") == side).sort("batting_order")
        assert listed["batting_order"].to_list() == list(range(1, 10))
        assert listed["player_id"].to_list() == raw[start : start + 27 : 3]
        assert listed["position"].to_list() == [int(p) for p in raw[start + 2 : start + 27 : 3]]
    # Known: the Royals' lead-off man and the Mets' designated hitter that night.
    assert ("home", 1, "escoa003", 6) in lineups.drop("game_id").rows()
    assert lineups.filter(pl.col("position") == 10).height == 2  # an AL park: two DHs
    snapshot = load_snapshot(games_only)
    assert snapshot.lineups.height == 18 * snapshot.games.height


def test_a_malformed_lineup_is_skipped_and_named_but_its_game_kept(shared_data, tmp_path):
    lines = (shared_data / "retrosheet" / "GL2016.TXT").read_text(encoding="latin-1").splitlines()
    fields = next(csv.reader([lines[6]]))
    fields[LINEUP_START["home"] + 2 * 3] = ""  # the home side's third batter has no id
    fields[LINEUP_START["away"] + 4 * 3 + 2] = "X"  # the fifth visitor has no position
    lines[6] = ",".join(f'"{f}"' for f in fields)
    broken = _write(tmp_path / "GL2016.TXT", [[line] for line in lines])
    games, lineups, report = read_game_logs([broken])
    game_id = fields[6] + fields[0] + fields[1]
    assert game_id in games["game_id"].to_list()
    assert lineups.filter(pl.col("game_id") == game_id).height == 0
    assert [str(p) for p in report.problems] == [
        f"{broken}:7: away lineup: batting order 5 has position 'X', not 1-10",
        f"{broken}:7: home lineup: batting order 3 has no player id",
    ]
    assert lineups.height == 18 * (games.height - 1)


def test_real_files_import_with_counts_reasons_and_notices(shared_data, snap, capsys):
    teams, pitching, batting = (
        _splits(shared_data, f"{kind}-{year}.csv")
        for kind, year in (("teams", 2016), ("pitching-platoon", 2015), ("batting-platoon", 2015))
    )
    assert _import(snap, teams, pitching, batting, strict=True) == 0
    out = capsys.readouterr().out
    snapshot = load_snapshot(snap)
    games = snapshot.games.filter(pl.col("season") == 2016)
    lines = snapshot.team_games
    assert lines.height == 2 * games.height  # every 2016 game, both sides, one account each
    assert f"{teams}: {lines.height} rows into team_games; skipped" in out
    imported = f"{lines.height} team_games, {snapshot.pitcher_splits.height} pitcher_splits, "
    assert (
        f"imported rows per table: {imported}{snapshot.batter_splits.height} batter_splits" in out
    )
    assert "not regular season" in out and "second accounts of a line" in out
    assert RETROSHEET_NOTICE in out and RETROSPLITS_NOTICE in out
    assert "ODbL" in RETROSPLITS_NOTICE and "Chadwick Baseball Bureau" in RETROSPLITS_NOTICE
    # The runs a side allowed are the other side's score in the game log.
    by_side = lines.pivot("side", index="game_id", values="runs_allowed").join(
        games.select("game_id", "home_score", "away_score"), on="game_id"
    )
    assert (by_side["home"] == by_side["away_score"]).all()
    assert (by_side["away"] == by_side["home_score"]).all()
    # The event file's pitch counts: every line has one, about 150 a team and game.
    assert lines["pitches"].null_count() == 0 and 130 <= lines["pitches"].median() <= 170
    # A split row is the file's line, hands and counts in place.
    raw = next(r for r in _rows(pitching) if r[:5] == ["2015", "R", "vendp001", "L", "L"])
    header = _rows(pitching)[0]
    row = snapshot.pitcher_splits.filter(
        (pl.col("pitcher_id") == "vendp001")
        & (pl.col("pitcher_hand") == "L")
        & (pl.col("batter_hand") == "L")
    ).to_dicts()
    assert len(row) == 1 and row[0]["season"] == 2015
    assert row[0]["plate_appearances"] == int(raw[header.index("B_PA")])
    assert row[0]["strikeouts"] == int(raw[header.index("B_SO")])
    # Pat Venditte's switch-pitching at-bat (hands "B" and "?") is skipped, not malformed.
    assert "1 with a hand neither L nor R" in out
    regular = sum(r[1] == "R" for r in _rows(batting)[1:])
    assert snapshot.batter_splits.height == regular - 1
    assert set(snapshot.batter_splits["batter_id"]) >= set(snapshot.lineups["player_id"].head(9))


def test_importing_twice_gives_the_same_content(shared_data, snap):
    files = [
        _splits(shared_data, name)
        for name in ("teams-2015.csv", "pitching-platoon-2014.csv", "batting-platoon-2016.csv")
    ]
    import_retrosplits(snap, files)
    first = read_manifest(snap)
    import_retrosplits(snap, files)
    import_retrosplits(snap, files[::-1])
    assert read_manifest(snap)["content_hash"] == first["content_hash"]
    # ... and a Retrosheet import of the same logs keeps what retrosplits added.
    retro = shared_data / "retrosheet"
    import_retrosheet([retro / "GL2015.TXT", retro / "GL2016.TXT"], snap)
    assert read_manifest(snap)["content_hash"] == first["content_hash"]


def test_a_corrected_file_updates_its_rows_and_replace_drops_the_rest(shared_data, snap, tmp_path):
    p2014, p2015 = (_splits(shared_data, f"pitching-platoon-{y}.csv") for y in (2014, 2015))
    teams = _splits(shared_data, "teams-2016.csv")
    import_retrosplits(snap, [p2014, p2015, teams])
    before = load_snapshot(snap)
    # A corrected 2015 file: half its rows, one count changed.
    rows = _rows(p2015)
    fewer = [rows[0], *rows[1 : len(rows) // 2]]
    first_regular = next(i for i, r in enumerate(fewer) if r[1] == "R")
    fewer[first_regular][5] = str(int(fewer[first_regular][5]) + 100)  # B_PA
    corrected = _write(tmp_path / "pitching-platoon-2015.csv", fewer)
    # A partial teams file: the lines of the first 20 regular-season games only.
    team_rows = _rows(teams)
    partial = [team_rows[0], *[r for r in team_rows[1:] if r[5] == "R"][:40]]
    game_team = pl.DataFrame(
        {"game_id": [r[0] for r in partial[1:]], "team": [r[7] for r in partial[1:]]}
    )
    for r in partial[1:]:
        r[team_rows[0].index("P_SO")] = "0"
    partial_teams = _write(tmp_path / "teams-2016.csv", partial)
    # Without --replace the rows the files leave out stay: a half file loses nothing.
    report = import_retrosplits(snap, [corrected, partial_teams])
    kept = load_snapshot(snap)
    assert kept.pitcher_splits.height == before.pitcher_splits.height
    assert kept.team_games.height == before.team_games.height
    changed = kept.pitcher_splits.filter(
        (pl.col("season") == 2015) & (pl.col("pitcher_id") == fewer[first_regular][2])
    )
    assert int(fewer[first_regular][5]) in changed["plate_appearances"].to_list()
    assert report.tables["pitcher_splits"].updated == 1
    assert report.tables["pitcher_splits"].added == report.tables["pitcher_splits"].removed == 0

    # With it, a file's season is the file's rows: the 2015 rows it lacks go.
    report = import_retrosplits(snap, [corrected], replace=True)
    after = load_snapshot(snap)
    new_2015 = after.pitcher_splits.filter(pl.col("season") == 2015)
    assert new_2015.height == sum(r[1] == "R" for r in fewer[1:])
    assert report.tables["pitcher_splits"].removed == (
        before.pitcher_splits.filter(pl.col("season") == 2015).height - new_2015.height
    )
    assert after.pitcher_splits.filter(pl.col("season") == 2014).equals(
        before.pitcher_splits.filter(pl.col("season") == 2014)
    )
    assert after.team_games.height == before.team_games.height
    replaced = after.team_games.join(game_team.unique(), on=["game_id", "team"])
    assert (
        replaced.height == game_team["game_id"].n_unique() and (replaced["strikeouts"] == 0).all()
    )
    for snapshot in (after, before):  # the other lines, of these games too, as they were
        assert snapshot.team_games.join(game_team, on=["game_id", "team"], how="anti").equals(
            before.team_games.join(game_team, on=["game_id", "team"], how="anti")
        )
    for name in ("games", "lineups", "batter_splits", "odds_lines"):
        assert after.table(name).equals(before.table(name)), name
    # ... and a teams file's season is its lines: 2016's other team lines go, 2015's stay.
    import_retrosplits(snap, [partial_teams], replace=True)
    lines = load_snapshot(snap).team_games
    assert lines.height == game_team.unique().height
    assert set(lines["game_id"].str.slice(3, 4)) == {"2016"}


def test_bad_rows_are_named_with_file_and_line_or_fail_with_strict(
    shared_data, snap, tmp_path, capsys
):
    rows = _rows(_splits(shared_data, "teams-2016.csv"))[:31]
    header = rows[0]
    regular = [i for i, r in enumerate(rows) if i and r[5] == "R"]
    rows[regular[0]][header.index("P_SO")] = "seven"
    rows[regular[1]][header.index("game.key")] = ""
    rows[regular[2]] = rows[regular[2]][:-3]
    rows[regular[3]][header.index("team.alignment")] = "2"
    broken = _write(tmp_path / "teams-2016.csv", rows)
    assert _import(snap, broken) == 0
    out = capsys.readouterr().out
    assert "skipped 4 malformed rows" in out
    assert f"{broken}:{regular[0] + 1}: P_SO 'seven' is not a whole number" in out
    assert f"{broken}:{regular[1] + 1}: missing game.key" in out
    assert f"{broken}:{regular[2] + 1}: expected {len(header)} cells, found" in out
    assert f"{broken}:{regular[3] + 1}: team.alignment '2' is neither 1 (home) nor 0" in out

    all_splits = _rows(_splits(shared_data, "batting-platoon-2015.csv"))
    splits = [all_splits[0], *[r for r in all_splits[1:] if r[1] == "R"][:20]]
    first = 3
    splits[first][5] = "1.5"
    broken_splits = _write(tmp_path / "batting-platoon-2015.csv", splits)
    before = read_manifest(snap)
    assert _import(snap, broken_splits, strict=True) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"mlb: error: {broken_splits}:{first + 1}: B_PA '1.5' is not a whole number "
        "(without --strict such rows are skipped and counted)"
    )
    assert read_manifest(snap) == before


def test_lines_of_games_not_in_the_snapshot_are_listed_not_stored(shared_data, snap):
    report = import_retrosplits(snap, [_splits(shared_data, "teams-2015.csv")])
    # In May 2015 the Orioles hosted the Rays at Tropicana Field (unrest in Baltimore): the
    # game log makes BAL the home team, retrosplits files the games under TBA.
    assert report.unmatched is not None
    unmatched = report.unmatched["game_id"].unique().to_list()
    assert "TBA201505010" in unmatched and "BAL201505010" in load_snapshot(snap).games["game_id"]
    stored = load_snapshot(snap).team_games["game_id"]
    assert not stored.is_in(unmatched).any()
    assert "rows matched no game in the snapshot" in "\n".join(report.lines())


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("pitching-platoon-2016.csv", "pitching-platoon-2015.csv", "named for 2016 but its YEAR"),
        ("teams-2015.csv", "teams-2016.csv", "named for 2015 but its game.date says 2016"),
        ("pitching-platoon-2012.csv", None, "is season 2012 but the snapshot has no games of"),
        ("teams-2014.csv", None, "is season 2014 but the snapshot has no games of it"),
        ("splits-2015.csv", "", "not a retrosplits file name"),
        ("teams-2016.csv", "game.key,team.key\nX,Y\n", "header lacks game.source"),
        ("batting-platoon-2015.csv", b"\xff\xfe\x00junk", "is binary, not a text file"),
        ("batting-platoon-2015.csv", b"YEAR,PHASE\n2015,R\xe9\n", "is not UTF-8 text"),
        ("teams-2016.csv", b"", "is empty"),
        ("teams-2016.csv", "missing", "does not exist"),
    ],
)
def test_wrong_files_are_refused_with_one_line_and_nothing_written(
    shared_data, snap, tmp_path, capsys, name, content, message
):
    if content is None:
        path = _splits(shared_data, name)
    elif content == "missing":
        path = tmp_path / name
    else:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif content.endswith(".csv"):
            shutil.copy(_splits(shared_data, content), path)
        else:
            path.write_text(content)
    before = read_manifest(snap)
    # with a good file beside it: nothing of it is written either
    assert _import(snap, _splits(shared_data, "pitching-platoon-2015.csv"), path) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert read_manifest(snap) == before


def test_the_demo_snapshot_takes_no_real_team_lines(shared_data, tmp_path, capsys):
    from mlbcore.settings import DEMO_SNAPSHOT

    shutil.copytree(DEMO_SNAPSHOT, tmp_path / "demo")
    assert _import(tmp_path / "demo", _splits(shared_data, "teams-2016.csv")) == 2
    assert "synthetic demo season" in capsys.readouterr().err


def test_a_snapshot_written_before_the_new_tables_loads_them_empty(games_only, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(games_only, old)
    manifest = json.loads((old / MANIFEST).read_text())
    for name in ADDED_TABLES:
        (old / f"{name}.parquet").unlink()
        del manifest["files"][f"{name}.parquet"]
        del manifest["row_counts"][name]
    games = load_snapshot(games_only)
    # the data version an older writer gave these games
    manifest["content_hash"] = content_hash(
        {
            "games": games.games,
            "odds_lines": games.odds_lines,
            "betting_splits": games.betting_splits,
        }
    )
    (old / MANIFEST).write_text(json.dumps(manifest))
    snapshot = load_snapshot(old)
    for name in ADDED_TABLES:
        assert snapshot.table(name).is_empty(), name
    assert snapshot.data_version == manifest["content_hash"]
    assert (
        content_hash({n: snapshot.table(n) for n in ("games", *ADDED_TABLES)})
        == (manifest["content_hash"])
    )
