"""What a notebook run as a script (``python notebooks/X.py --out FILE ...``) says it did:
the verdicts against the market, the run ids, the file written. In the app these print
nothing and write nothing: the page shows it all."""

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from mlbcore.errors import MlbError
from mlbcore.files import writable_file, write_atomically
from mlbcore.formatting import count, significant
from mlbcore.notebook.controls import CsvOut, script_mode

if TYPE_CHECKING:
    import polars as pl

    from mlbcore.lifecycle.replay import Replay
    from mlbcore.lifecycle.train_job import TrainingRun
    from mlbcore.notebook.cards import EvaluationRun


class OutControls(BaseModel):
    """The ``--out`` of a page with no other controls (home, schedules)."""

    out: CsvOut = None


def out_from_command_line() -> Path | None:
    """The ``--out`` of a script run, the page's only flag; other arguments are not the
    page's (a test running the app in process has pytest's), so they are left alone."""
    import marimo as mo

    try:
        given = dict(mo.cli_args()).get("out")
    except Exception:  # in pytest's "test" mode marimo has no command line
        given = None
    try:
        return OutControls.model_validate({"out": given}).out
    except ValidationError as error:
        raise MlbError(f"--out: {error.errors()[0]['msg']} (got {given!r})") from None


def write_table(frame: "pl.DataFrame", out: Path | None, what: str) -> str | None:
    """``frame`` as CSV at ``out`` (written whole or not at all); the line saying so."""
    if out is None:
        return None
    if out.suffix.lower() != ".csv":
        raise MlbError(f"--out: {what} is written as CSV: give a file ending in .csv, got {out}")
    writable_file(out, "--out")
    write_atomically(out, frame.write_csv)
    return f"wrote {count(frame.height)} {what} to {out}"


def _say(lines: list[str | None]) -> None:
    print("\n".join(line for line in lines if line is not None), flush=True)


def report_training(run: "TrainingRun", out: Path | None) -> None:
    """Each target's new version against the market and its MLflow run; ``--out``: the
    metrics table of every target."""
    if not script_mode():
        return
    import polars as pl

    from mlbcore.lifecycle.train_cards import new_version_card
    from mlbcore.lifecycle.train_summary import metrics_table

    lines: list[str | None] = [
        f"trained {count(len(run.trained))} target(s) on data version {run.data_version[:12]}, "
        f"feature set {run.feature_set_version}"
    ]
    for t in run.trained:
        champion = "promoted to champion" if t.promoted else "not promoted"
        lines += [
            f"{t.result.target}: version {t.version} ({champion}), MLflow run {t.run_id}",
            *new_version_card(t).lines(),
        ]
    lines += [f"notice: {notice}" for notice in run.notices]
    table = pl.concat(
        [
            metrics_table(t).select(pl.lit(str(t.result.target)).alias("target"), pl.all())
            for t in run.trained
        ],
        how="diagonal_relaxed",
    )
    lines.append(write_table(table, out, "metric rows"))
    _say(lines)


def report_evaluation(last_run: "EvaluationRun", out: Path | None) -> None:
    """The champion's card against the market, the MLflow run; ``--out``: the bets table,
    and the metrics beside it (``<name>_metrics.csv``), as `mlb evaluate --out` writes."""
    if not script_mode():
        return
    from mlbcore.evaluation.evaluation_card import evaluation_card
    from mlbcore.evaluation.evaluation_files import write_evaluation

    result = last_run.outcome.value
    lines: list[str | None] = list(evaluation_card(result, last_run.health).lines())
    lines.append(f"MLflow run {result.run_id}" if result.run_id else "not logged to MLflow")
    lines += write_evaluation(result, out) if out is not None else []
    _say(lines)


def report_drift(report: Any, out: Path | None) -> None:
    """The verdict, its reasons and the features that drift; ``--out``: every feature."""
    if not script_mode():
        return
    import polars as pl

    from mlbcore.notebook.operations import drift_table

    table = drift_table(report.distributions)
    from mlbcore.evaluation.drift import CALENDAR, DATA_SOURCE

    judged = table.filter(~pl.col("verdict").is_in([CALENDAR, DATA_SOURCE]))
    drifting = judged.filter(pl.col("verdict") == "drift")["feature"].to_list()
    lines: list[str | None] = [
        f"drift verdict: {report.verdict} (against {report.reference})",
        *(f"  {reason}" for reason in report.reasons),
        f"{count(len(drifting))} of {count(judged.height)} judged features drift"
        + (f": {', '.join(drifting[:5])}" if drifting else ""),
        write_table(table, out, "features"),
    ]
    _say(lines)


def report_replay(replay: "Replay", out: Path | None) -> None:
    """The headline comparisons and each target's winner; ``--out``: the summary."""
    if not script_mode():
        return
    lines: list[str | None] = [
        f"replayed season {replay.season}" + (" (cancelled part way)" if replay.cancelled else ""),
        *(f"  {row}" for row in replay.headline["text"]),
    ]
    import polars as pl

    winners = replay.summary.filter(pl.col("winner"))
    lines += [
        f"winner for {row['target']}: {row['policy']} ({row['metric']} {significant(row['model'])})"
        for row in winners.iter_rows(named=True)
    ]
    lines.append(write_table(replay.summary, out, "summary rows"))
    _say(lines)


def report_schedules(state: dict[str, Any]) -> None:
    """The runner, each champion's health, the schedules and the runs; ``--out``: the
    history of runs."""
    if not script_mode():
        return
    out = out_from_command_line()
    status, schedules, history = state["status"], state["schedules"], state["history"]
    lines: list[str | None] = [state["runner"].text]
    lines += _status_lines(status)
    lines += [
        f"{count(schedules.height)} schedule(s), {count(history.height)} run(s) in the history",
        write_table(history, out, "runs"),
    ]
    _say(lines)


def report_home(state: dict[str, Any]) -> None:
    """Each target's card and each back end's state; ``--out``: the model status table."""
    if not script_mode():
        return
    out = out_from_command_line()
    lines: list[str | None] = []
    if state["cards"] is None:
        lines.append("model status needs the back ends: " + ", ".join(state["down"]))
    else:
        lines.append(f"ages as of {state['as_of_basis']}")
        for card in state["cards"]:
            lines += card.lines()
    lines += [
        f"{row['backend']}: {row['state']}" for row in state["backends"].iter_rows(named=True)
    ]
    if state["status"] is not None:
        lines.append(write_table(state["status"], out, "targets"))
    elif out is not None:
        lines.append(f"nothing written to {out}: no model status")
    _say(lines)


def _status_lines(status: "pl.DataFrame") -> list[str | None]:
    return [
        f"{row.get('target')}: champion version {row.get('champion_version')}"
        + (f", {row['health']}" if row.get("health") else "")
        for row in status.iter_rows(named=True)
    ]
