"""What an evaluation's ``--out`` writes (`mlb evaluate --out` and the evaluate notebook
run as a script): the bets table, the one a user opens (a row per bet: date, teams, side,
price, stake, result, profit), at the file named; and the metrics table beside it, as
``<name>_metrics.csv``. Both CSV, each written whole or not at all."""

from pathlib import Path

from mlbcore.errors import MlbError
from mlbcore.evaluation.bets_table import bets_table
from mlbcore.evaluation.evaluate import Evaluation
from mlbcore.evaluation.evaluation_card import metrics_table
from mlbcore.files import shown, writable_file, write_atomically
from mlbcore.formatting import count


def metrics_file(out: Path) -> Path:
    """Where the metrics go beside the bets table: ``bets.csv`` -> ``bets_metrics.csv``."""
    return out.with_name(f"{out.stem}_metrics{out.suffix}")


def check_evaluation_out(out: Path, flag: str = "--out") -> None:
    """Refuse, before any work, an ``out`` that is not a CSV file or could not be
    written, nor its metrics file beside it."""
    if out.suffix.lower() != ".csv":
        raise MlbError(
            f"{flag}: the bets table is written as CSV: give a file ending in .csv, "
            f"got {shown(out)}"
        )
    writable_file(out, flag)
    writable_file(metrics_file(out), flag)


def write_evaluation(result: Evaluation, out: Path, flag: str = "--out") -> list[str]:
    """The bets table at ``out`` and the metrics at ``metrics_file(out)``; the lines
    saying what was written. A target that is not bet (run totals) or placed no bets
    gets the bets table's header alone."""
    check_evaluation_out(out, flag)
    placed = bets_table(result.target, result.bets)
    metrics = metrics_table(result)
    write_atomically(out, placed.write_csv)
    write_atomically(metrics_file(out), metrics.write_csv)
    none = "" if placed.height else f" ({_why_no_bets(result)})"
    return [
        f"wrote {count(placed.height)} bets to {out}{none}",
        f"wrote {count(metrics.height)} metric rows to {metrics_file(out)}",
    ]


def _why_no_bets(result: Evaluation) -> str:
    if not result.target.is_binary:
        return "run totals are not bet"
    return "no game's edge cleared the threshold" if result.games else "no games to bet"
