"""`mlb bench`: benchmarks that print numbers.

Each handler imports what its command needs when it runs, so `mlb --help` and the light
commands start without the heavy libraries (a test checks which load)."""

import argparse
from pathlib import Path

from mlbcore.cli.arguments import DATA_HELP, JOBS_HELP, jobs
from mlbcore.errors import MlbError


def _seasons(text: str) -> tuple[int, ...]:
    """``--seasons 2015,2016``: the bench's seasons, each one the data has lines for."""
    try:
        seasons = tuple(sorted({int(part) for part in text.split(",")}))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of years"
        ) from None
    if not seasons or not set(seasons) <= {2014, 2015, 2016}:
        raise argparse.ArgumentTypeError(f"{text!r}: seasons must be within 2014-2016")
    return seasons


def _bench_quality(args: argparse.Namespace) -> int:
    from mlbcore.bench.quality import bench_quality
    from mlbcore.cli import output
    from mlbcore.parallel import check_backend
    from mlbcore.settings import PROJECT_ROOT, load_settings

    shared = args.shared_data or PROJECT_ROOT.parent / "shared" / "data"
    if not (shared / "retrosheet").is_dir():
        raise MlbError(f"{shared} has no retrosheet/ folder; pass --shared-data DIR")
    check_backend(load_settings())  # an unreachable scheduler fails before the import
    bench_quality(shared, args.out, args.seasons, args.jobs, output.progress_printer())
    return 0


def _bench_store(args: argparse.Namespace) -> int:
    from mlbcore.bench.store import bench_store
    from mlbcore.settings import load_settings

    url = args.redis_url or load_settings().redis_url or "redis://127.0.0.1:6379/0"
    bench_store(url, data=args.data, slate_reads=args.slate_reads)
    return 0


def _bench_replay(args: argparse.Namespace) -> int:
    from mlbcore.bench.replay import bench_replay
    from mlbcore.parallel import check_backend
    from mlbcore.settings import load_settings

    check_backend(load_settings())
    bench_replay(args.season, args.repeat, args.data, args.jobs)
    return 0


def _bench_slate(args: argparse.Namespace) -> int:
    from mlbcore.bench.slate import bench_slate
    from mlbcore.cli.arguments import parse_date
    from mlbcore.targets import parse_targets

    day = parse_date(args.date, "--date") if args.date else None
    bench_slate(args.data, day, args.repeat, parse_targets([args.target])[0])
    return 0


def _bench_train(args: argparse.Namespace) -> int:
    from mlbcore.bench.train import bench_train

    bench_train(repeat=args.repeat, data=args.data, loaded=args.loaded)
    return 0


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this group's commands to ``commands``."""
    bench = commands.add_parser("bench", help="benchmarks that print numbers")
    benches = bench.add_subparsers(dest="bench", required=True, metavar="BENCH")
    bench_train = benches.add_parser("train", help="feature build and `mlb train` wall time")
    bench_train.add_argument("--repeat", type=int, default=5, help="timed runs")
    bench_train.add_argument("--data", default=None, metavar="PATH|URL", help=DATA_HELP)
    bench_train.add_argument(
        "--loaded",
        action="store_true",
        help="also time it beside a second mlb train and print the ratio (goal <= 2x)",
    )
    bench_train.set_defaults(handler=_bench_train)
    bench_replay = benches.add_parser("replay", help="a full season's replay, each policy timed")
    bench_replay.add_argument("--season", type=int, default=2016, help="the season to replay")
    bench_replay.add_argument("--repeat", type=int, default=3, help="timed runs")
    bench_replay.add_argument("--data", default=None, metavar="PATH|URL", help=DATA_HELP)
    bench_replay.add_argument("--jobs", type=jobs, metavar="N", help=JOBS_HELP)
    bench_replay.set_defaults(handler=_bench_replay)
    bench_slate = benches.add_parser(
        "slate", help="the slate of one date, first and after, and the home page's data"
    )
    bench_slate.add_argument("--data", default=None, metavar="PATH|URL", help=DATA_HELP)
    bench_slate.add_argument(
        "--date", metavar="YYYY-MM-DD", help="default: the data's latest date with games"
    )
    bench_slate.add_argument(
        "--target",
        default="moneyline_home_win",
        metavar="T",
        help="moneyline_home_win, total_over_under or run_total_regression "
        "(default: moneyline_home_win)",
    )
    bench_slate.add_argument("--repeat", type=int, default=5, help="runs per step (default 5)")
    bench_slate.set_defaults(handler=_bench_slate)
    bench_quality = benches.add_parser(
        "quality",
        help="walk-forward model quality on real 2014-2016 games, beside the market",
    )
    bench_quality.add_argument(
        "--shared-data",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder with retrosheet/, retrosplits/, sbr/ and pinnacle/ (default ../shared/data)",
    )
    bench_quality.add_argument(
        "--seasons",
        type=_seasons,
        default=(2014, 2015, 2016),
        metavar="YEARS",
        help="seasons to walk through, comma-separated, within 2014-2016 (default all three)",
    )
    bench_quality.add_argument(
        "--out",
        type=Path,
        default=Path("quality-predictions.csv"),
        metavar="CSV",
        help="where every out-of-sample prediction is written (default ./quality-predictions.csv)",
    )
    # --workers: the flag's name before --jobs, kept for scripts that pass it.
    bench_quality.add_argument("--jobs", "--workers", type=jobs, metavar="N", help=JOBS_HELP)
    bench_quality.set_defaults(handler=_bench_quality)
    bench_store = benches.add_parser(
        "store", help="MessagePack vs JSON and Redis feature-cache reads on loopback"
    )
    bench_store.add_argument("--redis-url", default=None, help="default: REDIS_URL, else local")
    bench_store.add_argument(
        "--data", type=Path, default=None, metavar="DIR", help="snapshot (default: MLB_DATA)"
    )
    bench_store.add_argument(
        "--slate-reads", type=int, default=200, metavar="N", help="slate reads timed"
    )
    bench_store.set_defaults(handler=_bench_store)
