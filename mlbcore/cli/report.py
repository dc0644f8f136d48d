"""`mlb app`: the notebooks served as one web app; `mlb report`: a champion's
self-contained HTML report.

Each handler imports what its command needs when it runs, so `mlb --help` and the light
commands start without the heavy libraries (a test checks which load)."""

import argparse
from pathlib import Path

from mlbcore.cli.arguments import AS_OF_HELP, DATA_HELP, TARGET_HELP
from mlbcore.errors import MlbError


def _report(args: argparse.Namespace) -> int:
    from mlbcore.clock import parse_as_of
    from mlbcore.html_report import build_report
    from mlbcore.settings import load_settings
    from mlbcore.targets import parse_targets

    target = parse_targets([args.target])[0]
    report = build_report(
        load_settings(),
        target,
        args.out,
        parse_as_of(args.as_of),
        args.days,
        args.data,
        include_in_sample=args.include_in_sample,
    )
    print(f"wrote {report.path} ({len(report.charts)} charts: {', '.join(report.charts)})")
    return 0


def _app(args: argparse.Namespace) -> int:
    from mlbcore.notebook.server import serve

    token = None
    if args.token_password_file is not None:
        try:
            token = args.token_password_file.read_text().strip()
        except OSError as error:
            raise MlbError(
                f"--token-password-file {args.token_password_file}: cannot read it "
                f"({error.strerror}); give a readable file holding the password"
            ) from None
        if not token:
            raise MlbError(f"--token-password-file {args.token_password_file} is empty")
    where = (
        "" if args.host in ("127.0.0.1", "localhost", "::1") else " (reachable off this machine)"
    )
    print(f"serving the app on http://{args.host}:{args.port}/{where}; Ctrl-C stops it", flush=True)
    serve(args.host, args.port, token)
    return 0


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this group's commands to ``commands``."""
    report = commands.add_parser(
        "report", help="a self-contained HTML report of a champion: training, evaluation, drift"
    )
    report.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    report.add_argument(
        "--out", type=Path, required=True, metavar="FILE.html", help="the report file to write"
    )
    report.add_argument("--days", type=int, default=30, help="evaluation window (default 30)")
    report.add_argument("--as-of", metavar="DATETIME", help=AS_OF_HELP)
    report.add_argument("--data", metavar="PATH|URL", help=DATA_HELP)
    report.add_argument(
        "--include-in-sample",
        action="store_true",
        help="also show the window's games inside the champion's training data, labelled in-sample",
    )
    report.set_defaults(handler=_report)

    app = commands.add_parser(
        "app",
        help="serve the notebooks as one web app: home at /, then /slate, /evaluate, /train, "
        "/drift, /schedule, /replay",
    )
    app.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (this machine only)")
    app.add_argument("--port", type=int, default=2718, help="default 2718")
    app.add_argument(
        "--token-password-file",
        type=Path,
        metavar="FILE",
        help="require this password (marimo's access token) to open the app (default: none)",
    )
    app.set_defaults(handler=_app)
