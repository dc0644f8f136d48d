"""Hostile import files and --out targets, run through the CLI in a subprocess.

Every refusal is one line (exit 2 for bad input, 1 for a truncated file) and leaves the
snapshot byte for byte as it was; a bad row is skipped and named with its file and line
(or, with --strict, is the one line); an import never loses a game or an odds line the
snapshot had. The inputs are slices of the real files of ../shared/data (the first games
of 2016 in the Retrosheet log, Pinnacle's files and SBR's workbook)."""

import csv
import gzip
import io
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from hostile.harness import BAD_INPUT, Outcome, assert_one_clear_line, run_mlb, tree_digest
from mlbcore.data.snapshot import load_snapshot, read_manifest
from mlbcore.importers.jobs import import_pinnacle, import_retrosheet, import_sbr

TRUNCATED = 1  # a file cut off mid-way: exit 1 unless --allow-partial
N_GAMES = 40  # the first 40 games of 2016 (3-5 April)
SBR_ROWS = 61  # the workbook's header and its first 30 games (two rows each)


# --- the real files, sliced ----------------------------------------------------------


@dataclass(frozen=True)
class Sources:
    folder: Path
    game_log: Path  # GL2016.TXT: the first N_GAMES lines
    pinnacle_games: Path  # mlb2016_games.csv: the events of those dates
    pinnacle_lines: Path  # mlb2016_lines.csv.gz: their lines
    sbr: Path  # mlb odds 2016.xlsx: its first rows
    base: Path  # a snapshot of the three
    shared: Path  # ../shared/data itself


def _sbr_slice(real: Path, out: Path, rows: int, cells: dict[str, str] | None = None) -> Path:
    """The first ``rows`` rows of a real SBR workbook, with ``cells`` (A5 -> text) set."""
    with zipfile.ZipFile(real) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as sink:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                start, end = text.index("<sheetData>"), text.index("</sheetData>")
                kept = re.findall(r"<row r=\"(\d+)\".*?</row>", text[start:end], flags=re.S)
                body = "".join(
                    m.group(0)
                    for m in re.finditer(r"<row r=\"(\d+)\".*?</row>", text[start:end], re.S)
                    if int(m.group(1)) <= rows
                )
                assert len(kept) > rows
                for ref, value in (cells or {}).items():
                    cell = rf"<c r=\"{ref}\"[^>]*?(/>|>.*?</c>)"
                    new = f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
                    body, n = re.subn(cell, new, body, count=1, flags=re.S)
                    assert n == 1, ref
                text = text[:start] + "<sheetData>" + body + text[end:]
                text = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:V{rows}"/>', text)
                data = text.encode()
            sink.writestr(item, data)
    return out


@pytest.fixture(scope="module")
def sources(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Sources:
    folder = tmp_path_factory.mktemp("hostile_imports")
    log = (shared_data / "retrosheet" / "GL2016.TXT").read_bytes().splitlines(keepends=True)
    game_log = folder / "GL2016.TXT"
    game_log.write_bytes(b"".join(log[:N_GAMES]))

    pinnacle = shared_data / "pinnacle"
    events = pl.read_csv(pinnacle / "mlb2016_games.csv", infer_schema_length=0)
    events = events.filter(pl.col("first_pitch_utc") < "2016-04-06T10")
    pinnacle_games = folder / "mlb2016_games.csv"
    events.write_csv(pinnacle_games)
    lines = pl.read_csv(pinnacle / "mlb2016_lines.csv.gz", infer_schema_length=0)
    lines = lines.filter(pl.col("event_id").is_in(events["event_id"].implode()))
    pinnacle_lines = folder / "mlb2016_lines.csv.gz"
    pinnacle_lines.write_bytes(gzip.compress(lines.write_csv().encode()))

    sbr = _sbr_slice(
        shared_data / "sbr" / "mlb odds 2016.xlsx", folder / "mlb odds 2016.xlsx", SBR_ROWS
    )
    base = folder / "base"
    import_retrosheet([game_log], base)
    import_sbr(base, [sbr])
    import_pinnacle(base, pinnacle_games, pinnacle_lines)
    return Sources(folder, game_log, pinnacle_games, pinnacle_lines, sbr, base, shared_data)


def _snapshot(sources: Sources, tmp_path: Path) -> Path:
    snap = tmp_path / "snap"
    shutil.copytree(sources.base, snap)
    return snap


def _game_log_lines(sources: Sources) -> list[str]:
    return sources.game_log.read_text(encoding="latin-1").splitlines()


def _with_field(line: str, index: int, value: str) -> str:
    fields = next(csv.reader([line]))
    fields[index] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()


def _write_log(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="latin-1")
    return path


def _pinnacle_lines(sources: Sources) -> list[str]:
    return gzip.decompress(sources.pinnacle_lines.read_bytes()).decode().splitlines()


def _write_gz(path: Path, lines: list[str]) -> Path:
    path.write_bytes(gzip.compress("".join(f"{line}\n" for line in lines).encode()))
    return path


def _with_cell(line: str, index: int, value: str) -> str:
    cells = line.split(",")
    cells[index] = value
    return ",".join(cells)


def _zip(path: Path, member: str, data: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, data)
    return path


def _odds_keys(snap: Path) -> pl.DataFrame:
    return load_snapshot(snap).odds_lines.select("book", "game_id", "entered_at_utc")


def _lost_nothing(before: Path, after: Path) -> None:
    """Every game and every odds line of ``before`` is still in ``after``."""
    old, new = load_snapshot(before), load_snapshot(after)
    assert old.games["game_id"].is_in(new.games["game_id"].implode()).all()
    assert (
        _odds_keys(before)
        .join(_odds_keys(after), on=_odds_keys(before).columns, how="anti")
        .is_empty()
    )
    assert new.lineups.height >= old.lineups.height


# --- files that are refused with one line ----------------------------------------------

Make = Callable[[Sources, Path, Path], list[str]]  # (sources, tmp_path, snapshot) -> mlb args


def _retrosheet(make_file: Callable[[Sources, Path], Path]) -> Make:
    def args(sources: Sources, tmp: Path, snap: Path) -> list[str]:
        return ["import", "retrosheet", str(make_file(sources, tmp)), "--out", str(snap)]

    return args


def _pinnacle(
    games: Callable[[Sources, Path], Path] | None, lines: Callable[[Sources, Path], Path] | None
) -> Make:
    def args(sources: Sources, tmp: Path, snap: Path) -> list[str]:
        games_path = games(sources, tmp) if games else sources.pinnacle_games
        lines_path = lines(sources, tmp) if lines else sources.pinnacle_lines
        return ["import", "odds", "pinnacle", str(games_path), str(lines_path), "--data", str(snap)]

    return args


def _sbr(make_file: Callable[[Sources, Path], Path]) -> Make:
    def args(sources: Sources, tmp: Path, snap: Path) -> list[str]:
        return ["import", "odds", "sbr", str(make_file(sources, tmp)), "--data", str(snap)]

    return args


def _retrosplits(make_file: Callable[[Sources, Path], Path]) -> Make:
    def args(sources: Sources, tmp: Path, snap: Path) -> list[str]:
        return ["import", "retrosplits", str(make_file(sources, tmp)), "--data", str(snap)]

    return args


def _bytes(name: str, data: bytes) -> Callable[[Sources, Path], Path]:
    def make(sources: Sources, tmp: Path) -> Path:
        (tmp / name).write_bytes(data)
        return tmp / name

    return make


def _folder(sources: Sources, tmp: Path) -> Path:
    (tmp / "logs").mkdir()
    shutil.copy(sources.game_log, tmp / "logs")
    return tmp / "logs"


def _cut(path: Path, out: Path, fraction: float = 0.5) -> Path:
    data = path.read_bytes()
    out.write_bytes(data[: int(len(data) * fraction)])
    return out


BINARY = bytes(range(256)) * 8
REFUSED = [
    ("retrosheet empty file", _retrosheet(_bytes("GL2016.TXT", b"")), BAD_INPUT, "is empty"),
    ("retrosheet blank file", _retrosheet(_bytes("GL2016.TXT", b"\n  \n\r\n")), BAD_INPUT, "blank"),
    ("retrosheet binary file", _retrosheet(_bytes("GL2016.TXT", BINARY)), BAD_INPUT, "binary"),
    (
        "retrosheet all lines malformed",
        _retrosheet(_bytes("GL2016.TXT", b"date,home,away\n1,2,3\n4,5,6\n")),
        BAD_INPUT,
        "none of its 3 lines",
    ),
    (
        "retrosheet garbage zip",
        _retrosheet(_bytes("gl2016.zip", b"this is no zip\n" * 50)),
        BAD_INPUT,
        "not a zip",
    ),
    (
        "retrosheet zip without a game log",
        _retrosheet(lambda s, t: _zip(t / "gl2016.zip", "README.md", b"hello\n")),
        BAD_INPUT,
        "no game log",
    ),
    (
        "retrosheet truncated zip",
        _retrosheet(
            lambda s, t: _cut(
                _zip(t / "full.zip", "GL2016.TXT", s.game_log.read_bytes()), t / "gl2016.zip"
            )
        ),
        TRUNCATED,
        "truncated",
    ),
    (
        "retrosheet damaged zip member",
        _retrosheet(
            lambda s, t: _damage_member(
                _zip(t / "gl2016.zip", "GL2016.TXT", s.game_log.read_bytes())
            )
        ),
        BAD_INPUT,
        "damaged",
    ),
    ("retrosheet folder as PATH", _retrosheet(_folder), BAD_INPUT, "is a folder"),
    (
        "retrosheet a 50 MB line",
        _retrosheet(_bytes("GL2016.TXT", b'"20160403",' + b"x" * 50_000_000 + b"\n")),
        BAD_INPUT,
        "none of its 1 lines",
    ),
    (
        "retrosheet last line cut off",
        _retrosheet(lambda s, t: _cut(s.game_log, t / "GL2016.TXT")),
        TRUNCATED,
        "--allow-partial",
    ),
    ("pinnacle empty games file", _pinnacle(_bytes("games.csv", b""), None), BAD_INPUT, "is empty"),
    ("pinnacle empty lines file", _pinnacle(None, _bytes("lines.csv", b"")), BAD_INPUT, "is empty"),
    (
        "pinnacle empty gzip lines file",
        _pinnacle(None, _bytes("lines.csv.gz", gzip.compress(b""))),
        BAD_INPUT,
        "is empty",
    ),
    (
        "pinnacle binary lines file",
        _pinnacle(None, _bytes("lines.csv", BINARY)),
        BAD_INPUT,
        "binary",
    ),
    (
        "pinnacle garbage gzip",
        _pinnacle(None, _bytes("lines.csv.gz", b"\x1f\x8b\x08\x00" + b"junk" * 100)),
        BAD_INPUT,
        "gzip",
    ),
    (
        "pinnacle games file not UTF-8",
        _pinnacle(
            lambda s, t: _bytes(
                "games.csv",
                s.pinnacle_games.read_text().replace("Cardinals", "Cardénals").encode("latin-1"),
            )(s, t),
            None,
        ),
        BAD_INPUT,
        "not UTF-8",
    ),
    (
        "pinnacle truncated gzip",
        _pinnacle(None, lambda s, t: _cut(s.pinnacle_lines, t / "lines.csv.gz")),
        TRUNCATED,
        "truncated",
    ),
    (
        "pinnacle games file cut off",
        _pinnacle(lambda s, t: _cut(s.pinnacle_games, t / "games.csv", 0.7), None),
        TRUNCATED,
        "truncated",
    ),
    ("pinnacle games file is a folder", _pinnacle(lambda s, t: t, None), BAD_INPUT, "is a folder"),
    ("sbr empty file", _sbr(_bytes("mlb odds 2016.xlsx", b"")), BAD_INPUT, "not a readable"),
    ("sbr folder as PATH", _sbr(lambda s, t: t), BAD_INPUT, "is a folder"),
    (
        "sbr truncated workbook",
        _sbr(lambda s, t: _cut(s.sbr, t / "mlb odds 2016.xlsx")),
        TRUNCATED,
        "truncated",
    ),
    ("retrosplits empty file", _retrosplits(_bytes("teams-2016.csv", b"")), BAD_INPUT, "is empty"),
    (
        "retrosplits binary file",
        _retrosplits(_bytes("teams-2016.csv", BINARY)),
        BAD_INPUT,
        "binary",
    ),
    (
        "retrosplits last line cut off",
        _retrosplits(lambda s, t: _splits_head(s, t, "pitching-platoon-2016.csv", 20, cut=7)),
        TRUNCATED,
        "truncated",
    ),
    (
        "retrosplits folder as PATH",
        _retrosplits(lambda s, t: (t / "teams-2016.csv").mkdir() or t / "teams-2016.csv"),
        BAD_INPUT,
        "is a folder",
    ),
]


def _damage_member(path: Path) -> Path:
    """Flip bytes in the middle of the archive's compressed data: its CRC fails."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8] = bytes(8)
    path.write_bytes(bytes(data))
    return path


def _splits_head(sources: Sources, tmp: Path, name: str, lines: int, cut: int = 0) -> Path:
    """The first ``lines`` lines of a real retrosplits file, less ``cut`` bytes at its end."""
    head = (sources.shared / "retrosplits" / name).read_bytes().splitlines(keepends=True)[:lines]
    data = b"".join(head)
    (tmp / name).write_bytes(data[: len(data) - cut])
    return tmp / name


@pytest.mark.parametrize(("name", "make", "code", "mentions"), REFUSED, ids=[c[0] for c in REFUSED])
def test_a_bad_file_is_one_line_and_the_snapshot_is_as_it_was(
    sources, tmp_path, name, make, code, mentions
):
    snap = _snapshot(sources, tmp_path)
    before = tree_digest(snap)
    outcome = run_mlb(make(sources, tmp_path, snap), tmp_path / "state")
    assert_one_clear_line(outcome, code, mentions)
    assert tree_digest(snap) == before


# --- bad rows: skipped and named, or with --strict the one line --------------------------


def _log_with(edits: dict[int, tuple[int, str]]) -> Callable[[Sources, Path, Path], list[str]]:
    """The game log slice with field ``index`` of line ``n`` (1-based) set to ``value``."""

    def args(sources: Sources, tmp: Path, snap: Path) -> list[str]:
        lines = _game_log_lines(sources)
        for n, (index, value) in edits.items():
            lines[n - 1] = _with_field(lines[n - 1], index, value)
        path = _write_log(tmp / "GL2016.TXT", lines)
        return ["import", "retrosheet", str(path), "--out", str(snap)]

    return args


def _pinnacle_with(
    games: dict[int, tuple[int, str]] | None = None, lines: dict[int, tuple[int, str]] | None = None
) -> Make:
    def args(sources: Sources, tmp: Path, snap: Path) -> list[str]:
        games_path, lines_path = sources.pinnacle_games, sources.pinnacle_lines
        if games:
            rows = sources.pinnacle_games.read_text().splitlines()
            for n, (index, value) in games.items():
                rows[n - 1] = _with_cell(rows[n - 1], index, value)
            games_path = tmp / "mlb2016_games.csv"
            games_path.write_text("".join(f"{r}\n" for r in rows))
        if lines:
            rows = _pinnacle_lines(sources)
            for n, (index, value) in lines.items():
                rows[n - 1] = _with_cell(rows[n - 1], index, value)
            lines_path = _write_gz(tmp / "mlb2016_lines.csv.gz", rows)
        return ["import", "odds", "pinnacle", str(games_path), str(lines_path), "--data", str(snap)]

    return args


def _sbr_with(cells: dict[str, str]) -> Make:
    def args(sources: Sources, tmp: Path, snap: Path) -> list[str]:
        real = sources.shared / "sbr" / "mlb odds 2016.xlsx"
        path = _sbr_slice(real, tmp / "mlb odds 2016.xlsx", SBR_ROWS, cells)
        return ["import", "odds", "sbr", str(path), "--data", str(snap)]

    return args


OUTS, HOME_SCORE, DATE = 11, 10, 0  # game log fields (0-based)
TOTAL, MONEYLINE_HOME = 7, 3  # Pinnacle lines cells
FIRST_PITCH = 2  # Pinnacle games cell
SKIPPED = [
    ("retrosheet outs 999", _log_with({5: (OUTS, "999")}), "GL2016.TXT:5: outs 999"),
    (
        "retrosheet negative score",
        _log_with({6: (HOME_SCORE, "-3")}),
        "GL2016.TXT:6: home score -3",
    ),
    ("retrosheet year 2999", _log_with({7: (DATE, "29990403")}), "GL2016.TXT:7: date 2999-04-03"),
    ("pinnacle NaN total", _pinnacle_with(lines={3: (TOTAL, "nan")}), "lines.csv.gz:3: total nan"),
    ("pinnacle inf total", _pinnacle_with(lines={4: (TOTAL, "inf")}), "lines.csv.gz:4: total inf"),
    (
        "pinnacle moneyline 0",
        _pinnacle_with(lines={5: (MONEYLINE_HOME, "0")}),
        "lines.csv.gz:5: moneyline_home 0",
    ),
    (
        "pinnacle year 2999",
        _pinnacle_with(games={2: (FIRST_PITCH, "2999-04-03T17:05:00Z")}),
        "games.csv:2: first_pitch_utc 2999",
    ),
    ("sbr price 1e30", _sbr_with({"P2": "1e30"}), "2016.xlsx:2: opening moneyline 1e30"),
    ("sbr date 1399", _sbr_with({"A4": "1399"}), "2016.xlsx:4: bad date 1399"),
    ("sbr moneyline 0", _sbr_with({"Q8": "0"}), "2016.xlsx:8: closing moneyline 0"),
    ("sbr negative score", _sbr_with({"O10": "-3"}), "2016.xlsx:10: final score -3"),
    ("sbr NaN total", _sbr_with({"S12": "nan"}), "2016.xlsx:12: opening total nan"),
    # The home row of a skipped visitor row is named too, not dropped without a word.
    ("sbr unpaired row", _sbr_with({"O6": "abc"}), "2016.xlsx:7: its visitor row 6 was skipped"),
]


STRICT_FIRST = {"sbr unpaired row": "2016.xlsx:6: final score abc is not a number"}


@pytest.mark.parametrize(("name", "make", "named"), SKIPPED, ids=[c[0] for c in SKIPPED])
def test_a_bad_row_is_skipped_and_named_and_nothing_is_lost(sources, tmp_path, name, make, named):
    snap = _snapshot(sources, tmp_path)
    args = make(sources, tmp_path, snap)
    outcome = run_mlb(args, tmp_path / "state")
    text = outcome.stdout + outcome.stderr
    assert outcome.code == 0 and "Traceback" not in text, text
    assert named in text, text
    _lost_nothing(sources.base, snap)


@pytest.mark.parametrize(("name", "make", "named"), SKIPPED, ids=[c[0] for c in SKIPPED])
def test_with_strict_a_bad_row_is_the_one_line(sources, tmp_path, name, make, named):
    snap = _snapshot(sources, tmp_path)
    before = tree_digest(snap)
    outcome = run_mlb([*make(sources, tmp_path, snap), "--strict"], tmp_path / "state")
    # The first bad row fails: for the unpaired row, the visitor row that broke the pair.
    first = STRICT_FIRST.get(name, named)
    assert_one_clear_line(outcome, BAD_INPUT, first)
    assert tree_digest(snap) == before


# --- --out: never erase what is there ----------------------------------------------------


def _user_folder(tmp: Path) -> Path:
    folder = tmp / "my_work"
    folder.mkdir()
    (folder / "notes.txt").write_text("three months of notes\n")
    return folder


def _user_file(tmp: Path) -> Path:
    (tmp / "thesis.txt").write_text("do not lose me\n")
    return tmp / "thesis.txt"


def _demo_copy(tmp: Path) -> Path:
    from mlbcore.settings import DEMO_SNAPSHOT

    shutil.copytree(DEMO_SNAPSHOT, tmp / "demo")
    return tmp / "demo"


TARGETS: list[tuple[str, Callable[[Sources, Path], Path], str]] = [
    ("a folder of other files", lambda s, t: _user_folder(t), "is not a snapshot"),
    ("a regular file", lambda s, t: _user_file(t), "is a file"),
    ("a folder inside a file", lambda s, t: _user_file(t) / "snap", "is a file"),
]
OUT_CASES = [
    *[(f"retrosheet --out {what}", "retrosheet", target, says) for what, target, says in TARGETS],
    *[(f"snapshot demo --out {what}", "demo", target, says) for what, target, says in TARGETS],
    ("retrosheet --out the demo snapshot", "retrosheet", lambda s, t: _demo_copy(t), "--force"),
    (
        "snapshot demo --out a Retrosheet snapshot",
        "demo",
        lambda s, t: shutil.copytree(s.base, t / "real"),
        "--force",
    ),
]


def _out_args(command: str, sources: Sources, out: Path) -> list[str]:
    if command == "demo":
        return ["snapshot", "demo", "--out", str(out)]
    return ["import", "retrosheet", str(sources.game_log), "--out", str(out)]


@pytest.mark.parametrize(
    ("name", "command", "target", "says"), OUT_CASES, ids=[c[0] for c in OUT_CASES]
)
def test_out_never_replaces_what_is_not_a_snapshot_of_its_source(
    sources, tmp_path, name, command, target, says
):
    out = Path(target(sources, tmp_path))
    before = tree_digest(tmp_path)
    outcome = run_mlb(_out_args(command, sources, out), tmp_path / "state")
    assert_one_clear_line(outcome, BAD_INPUT, says)
    assert tree_digest(tmp_path) == before  # nothing moved to .NAME.old, nothing written


def test_force_replaces_a_snapshot_of_another_source_and_an_empty_folder_is_fine(sources, tmp_path):
    demo = _demo_copy(tmp_path)
    outcome = run_mlb([*_out_args("retrosheet", sources, demo), "--force"], tmp_path / "state")
    assert outcome.code == 0, outcome
    replaced = load_snapshot(demo)
    assert replaced.games_source == "retrosheet" and replaced.games.height == N_GAMES
    assert replaced.odds_lines.is_empty()  # nothing of the demo season was kept
    (tmp_path / "empty").mkdir()
    assert (
        run_mlb(_out_args("retrosheet", sources, tmp_path / "empty"), tmp_path / "state").code == 0
    )
    assert load_snapshot(tmp_path / "empty").games.height == N_GAMES


# --- nothing lost: partial, malformed and repeated files ---------------------------------


def _run(args: list[str], tmp_path: Path) -> Outcome:
    outcome = run_mlb(args, tmp_path / "state")
    assert "Traceback" not in outcome.stdout + outcome.stderr, outcome
    return outcome


def test_a_half_downloaded_game_log_keeps_every_game_and_odds_line(sources, tmp_path):
    snap = _snapshot(sources, tmp_path)
    before = tree_digest(snap)
    half = _cut(sources.game_log, tmp_path / "GL2016.TXT")
    args = ["import", "retrosheet", str(half), "--out", str(snap)]
    refused = _run(args, tmp_path)
    assert_one_clear_line(refused, TRUNCATED, f"{half} is truncated")
    assert tree_digest(snap) == before
    partial = _run([*args, "--allow-partial"], tmp_path)
    assert partial.code == 0, partial
    cut_line = len(half.read_bytes().splitlines())
    assert f"{half}:{cut_line}: cut off" in partial.stdout
    assert read_manifest(snap)["content_hash"] == read_manifest(sources.base)["content_hash"]
    assert "games: 0 added, 0 updated, " in partial.stdout


def test_a_full_season_then_half_of_it_keeps_all_2428_games(shared_data, tmp_path):
    snap = tmp_path / "snap"
    full = shared_data / "retrosheet" / "GL2016.TXT"
    first = _run(["import", "retrosheet", str(full), "--out", str(snap)], tmp_path)
    assert (
        first.code == 0 and "games: 2428 added, 0 updated, 0 unchanged, 0 skipped" in first.stdout
    )
    half = _cut(full, tmp_path / "GL2016.TXT")
    again = _run(
        ["import", "retrosheet", str(half), "--out", str(snap), "--allow-partial"], tmp_path
    )
    assert again.code == 0, again
    assert read_manifest(snap)["row_counts"]["games"] == 2428  # type: ignore[index]
    # --replace says the files are the whole truth: the games they lack go.
    replaced = _run(
        ["import", "retrosheet", str(half), "--out", str(snap), "--allow-partial", "--replace"],
        tmp_path,
    )
    kept = load_snapshot(snap).games.height
    assert replaced.code == 0 and 1000 < kept < 1300
    assert (
        f"games: 0 added, 0 updated, {kept} unchanged, 1 skipped, {2428 - kept} removed"
        in replaced.stdout
    )


def test_a_truncated_lines_file_keeps_every_odds_line(sources, tmp_path):
    snap = _snapshot(sources, tmp_path)
    half = _cut(sources.pinnacle_lines, tmp_path / "mlb2016_lines.csv.gz")
    args = [
        "import",
        "odds",
        "pinnacle",
        str(sources.pinnacle_games),
        str(half),
        "--data",
        str(snap),
    ]
    before = tree_digest(snap)
    assert_one_clear_line(_run(args, tmp_path), TRUNCATED, "truncated")
    assert tree_digest(snap) == before
    partial = _run([*args, "--allow-partial"], tmp_path)
    assert partial.code == 0, partial
    assert read_manifest(snap)["content_hash"] == read_manifest(sources.base)["content_hash"]


def test_malformed_lines_do_not_remove_the_good_lines_of_their_games(sources, tmp_path):
    snap = _snapshot(sources, tmp_path)
    rows = _pinnacle_lines(sources)
    spoiled = [2, 3, 4, 10, 11]  # 1-based line numbers, header first
    for n in spoiled:
        rows[n - 1] = _with_cell(rows[n - 1], 1, "yesterday")
    lines = _write_gz(tmp_path / "mlb2016_lines.csv.gz", rows)
    outcome = _run(
        [
            "import",
            "odds",
            "pinnacle",
            str(sources.pinnacle_games),
            str(lines),
            "--data",
            str(snap),
        ],
        tmp_path,
    )
    assert outcome.code == 0, outcome
    for n in spoiled:
        assert f"{lines}:{n}: entered_at_utc yesterday is not a UTC time" in outcome.stdout
    assert read_manifest(snap)["content_hash"] == read_manifest(sources.base)["content_hash"]
    good, bad = len(rows) - 1 - len(spoiled), len(spoiled)
    assert f"odds_lines: 0 added, 0 updated, {good} unchanged, {bad} skipped" in outcome.stdout


def test_repeated_rows_are_stored_once(sources, tmp_path):
    snap = _snapshot(sources, tmp_path)
    rows = _pinnacle_lines(sources)
    doubled = _write_gz(tmp_path / "mlb2016_lines.csv.gz", [rows[0], *rows[1:], *rows[1:]])
    log = _write_log(tmp_path / "GL2016.TXT", _game_log_lines(sources) * 2)
    for args in (
        [
            "import",
            "odds",
            "pinnacle",
            str(sources.pinnacle_games),
            str(doubled),
            "--data",
            str(snap),
        ],
        ["import", "retrosheet", str(log), "--out", str(snap)],
    ):
        assert _run(args, tmp_path).code == 0
    assert read_manifest(snap)["content_hash"] == read_manifest(sources.base)["content_hash"]


def test_the_report_counts_rows_added_updated_unchanged_and_skipped(sources, tmp_path):
    snap = tmp_path / "snap"
    lines = _game_log_lines(sources)
    _write_log(tmp_path / "GL2016.TXT", lines[:30])
    first = _run(
        ["import", "retrosheet", str(tmp_path / "GL2016.TXT"), "--out", str(snap)], tmp_path
    )
    assert "games: 30 added, 0 updated, 0 unchanged, 0 skipped" in first.stdout
    assert "lineups: 540 added, 0 updated, 0 unchanged, 0 skipped" in first.stdout
    changed = [*lines[:9], _with_field(lines[9], HOME_SCORE, "11"), *lines[10:], "bad,line"]
    _write_log(tmp_path / "GL2016.TXT", changed)
    second = _run(
        ["import", "retrosheet", str(tmp_path / "GL2016.TXT"), "--out", str(snap)], tmp_path
    )
    assert f"games: {N_GAMES - 30} added, 1 updated, 29 unchanged, 1 skipped" in second.stdout
