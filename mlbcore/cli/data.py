"""`mlb snapshot`, `import` and `db`: getting games, lines and splits in.

Each handler imports what its command needs when it runs, so `mlb --help` and the light
commands start without the heavy libraries (a test checks which load)."""

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlbcore.importers.report import ImportReport


def _snapshot_demo(args: argparse.Namespace) -> int:
    from mlbcore.data.demo import write_demo_snapshot

    manifest = write_demo_snapshot(args.out, seed=args.seed, force=args.force)
    counts = ", ".join(f"{n} {t}" for t, n in manifest["row_counts"].items())
    print(f"wrote {args.out}: {counts}; content hash {manifest['content_hash']}")
    return 0


def _print_report(report: "ImportReport", snapshot: "Path") -> None:
    from mlbcore.data.snapshot import read_manifest

    for line in report.lines():
        print(line)
    manifest = read_manifest(snapshot)
    counts = ", ".join(f"{n} {t}" for t, n in manifest["row_counts"].items())
    print(f"snapshot {snapshot}: {counts}")
    for notice in manifest.get("notices", []):
        print(notice)


def _import_retrosheet(args: argparse.Namespace) -> int:
    from mlbcore.importers.jobs import import_retrosheet

    report = import_retrosheet(
        args.paths, args.out, args.strict, args.allow_partial, args.replace, args.force
    )
    _print_report(report, args.out)
    return 0


def _import_pinnacle(args: argparse.Namespace) -> int:
    from mlbcore.importers.jobs import import_pinnacle

    report = import_pinnacle(
        args.data, args.games, args.lines, args.strict, args.allow_partial, args.replace
    )
    _print_report(report, args.data)
    return 0


def _import_sbr(args: argparse.Namespace) -> int:
    from mlbcore.importers.jobs import import_sbr

    _print_report(import_sbr(args.data, args.paths, args.strict, args.replace), args.data)
    return 0


def _import_retrosplits(args: argparse.Namespace) -> int:
    from mlbcore.importers.jobs import import_retrosplits

    report = import_retrosplits(
        args.data, args.paths, args.strict, args.allow_partial, args.replace
    )
    _print_report(report, args.data)
    return 0


def _db_migrate(args: argparse.Namespace) -> int:
    from mlbcore.db.jobs import run_migrate
    from mlbcore.settings import load_settings

    url, applied = run_migrate(load_settings(), args.url)
    done = ", ".join(map(str, applied)) if applied else "none pending"
    print(f"{url}: migrations applied: {done}")
    return 0


def _db_load(args: argparse.Namespace) -> int:
    import time

    from mlbcore.db.jobs import run_load
    from mlbcore.settings import load_settings

    started = time.perf_counter()
    url, counts = run_load(load_settings(), args.data, args.url)
    rows = ", ".join(f"{n} {t}" for t, n in counts.items())
    print(f"loaded {args.data} into {url}: {rows} in {time.perf_counter() - started:.1f} s")
    return 0


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this group's commands to ``commands``."""
    snapshot = commands.add_parser("snapshot", help="create data snapshots")
    kinds = snapshot.add_subparsers(dest="kind", required=True, metavar="KIND")
    demo = kinds.add_parser("demo", help="generate the synthetic demo season")
    demo.add_argument("--seed", type=int, default=2016, help="random seed of the made-up season")
    demo.add_argument(
        "--out", type=Path, default=None, help="folder (default: data_snapshots/demo)"
    )
    demo.add_argument(
        "--force", action="store_true", help="replace a snapshot of other games at --out"
    )
    demo.set_defaults(handler=_snapshot_demo)

    imported = "data_snapshots/imported in the project"
    importer = commands.add_parser("import", help="import real data into a snapshot")
    sources = importer.add_subparsers(dest="source", required=True, metavar="SOURCE")
    retrosheet = sources.add_parser(
        "retrosheet",
        help="Retrosheet game logs (GLYYYY.TXT or glYYYY.zip) as a new snapshot",
    )
    retrosheet.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="game log files (GLyyyy.TXT) or zips"
    )
    retrosheet.add_argument("--out", type=Path, help=f"snapshot folder (default {imported})")
    retrosheet.add_argument(
        "--strict", action="store_true", help="fail on the first malformed line"
    )
    retrosheet.add_argument(
        "--force", action="store_true", help="replace a snapshot of other games at --out"
    )
    retrosheet.set_defaults(handler=_import_retrosheet)
    retrosplits = sources.add_parser(
        "retrosplits",
        help="team game lines and platoon splits (teams-, pitching-platoon-, "
        "batting-platoon-YYYY.csv) into a snapshot's seasons",
    )
    retrosplits.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="retrosplits CSV files"
    )
    retrosplits.add_argument("--data", type=Path, help=f"snapshot folder (default {imported})")
    retrosplits.add_argument(
        "--strict", action="store_true", help="fail on the first malformed row"
    )
    retrosplits.set_defaults(handler=_import_retrosplits)
    odds = sources.add_parser("odds", help="attach betting lines to a snapshot's games")
    books = odds.add_subparsers(dest="book", required=True, metavar="BOOK")
    pinnacle = books.add_parser("pinnacle", help="Pinnacle's time-stamped line history")
    pinnacle.add_argument("games", type=Path, metavar="PATH_GAMES", help="Pinnacle's games file")
    pinnacle.add_argument(
        "lines", type=Path, metavar="PATH_LINES", help="Pinnacle's lines file (.csv or .csv.gz)"
    )
    sbr = books.add_parser("sbr", help="sportsbookreviewsonline archive workbooks (.xlsx)")
    sbr.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="SBR odds spreadsheets")
    for parser_ in (pinnacle, sbr):
        parser_.add_argument("--data", type=Path, help=f"snapshot folder (default {imported})")
        parser_.add_argument(
            "--strict", action="store_true", help="fail on the first malformed row"
        )
    # An import adds and updates; these say when it may do less or remove.
    for parser_ in (retrosheet, retrosplits, pinnacle):
        parser_.add_argument(
            "--allow-partial",
            action="store_true",
            help="import the complete lines of a truncated file (else exit 1)",
        )
    for parser_, covers in (
        (retrosheet, "the snapshot's games become the files' games"),
        (retrosplits, "a file's season replaces that season's rows"),
        (pinnacle, "this book's lines of the games in the files are the files' lines"),
        (sbr, "this book's lines of the games in the files are the files' lines"),
    ):
        parser_.add_argument(
            "--replace", action="store_true", help=f"remove what the files leave out: {covers}"
        )
    pinnacle.set_defaults(handler=_import_pinnacle)
    sbr.set_defaults(handler=_import_sbr)

    db = commands.add_parser("db", help="PostgreSQL: migrate the schema, load a snapshot")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_migrate = db_commands.add_parser("migrate", help="apply pending schema migrations")
    db_load = db_commands.add_parser("load", help="load a snapshot's tables (replacing them)")
    db_load.add_argument(
        "--data", type=Path, required=True, metavar="SNAPSHOT", help="the snapshot folder to load"
    )
    for parser_ in (db_migrate, db_load):
        parser_.add_argument("--url", help="postgresql:// URL (default: the DATABASE_* settings)")
    db_migrate.set_defaults(handler=_db_migrate)
    db_load.set_defaults(handler=_db_load)
