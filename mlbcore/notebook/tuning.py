"""The tuning notebook's controls, job and script summary: an `mlb tune` study run from
the page (one worker process: the page's own), its charts' data, and Apply."""

from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from mlbcore.charts.tuning import optimisation_history_chart, parameter_importance_chart
from mlbcore.notebook.controls import CsvOut, controls_from_command_line, script_mode
from mlbcore.notebook.jobs import Outcome, run
from mlbcore.notebook.summaries import write_table
from mlbcore.settings import load_settings
from mlbcore.targets import Target
from mlbcore.tuning.objective import metric_words
from mlbcore.tuning.report import apply_best, outcome_lines
from mlbcore.tuning.run import TuneOutcome, TuneRequest, tune


class TuneControls(BaseModel):
    """The tuning notebook's controls, from the command line in a script run."""

    model_config = ConfigDict(extra="forbid")

    target: Target = Target.MONEYLINE_HOME_WIN
    trials: int = Field(default=10, ge=1, le=1000)
    storage: str | None = None  # default: the journal file, or the DATABASE_* PostgreSQL
    apply: bool = False  # a script run writes the best settings into mlb.toml
    out: CsvOut = None  # a script run writes the study's trials here as CSV


def tune_controls() -> TuneControls:
    return controls_from_command_line(TuneControls)


def run_study(
    target: str, trials: int, storage: str | None, progress: Callable[[str], None]
) -> Outcome:
    """``trials`` more trials of ``target``'s default study, in this process."""
    request = TuneRequest(Target(target), trials, storage=(storage or "").strip() or None)
    outcome = run(lambda: tune(load_settings(), request, progress, say=progress))
    outcome.asked = f"{target}: {trials} trial(s)"
    return outcome


def study_charts(outcome: TuneOutcome) -> list[object]:
    """The optimisation history and, once there are enough trials, the importances."""
    shown: list[object] = [optimisation_history_chart(outcome.trials, metric_words(outcome.target))]
    if outcome.importances:
        shown.append(parameter_importance_chart(outcome.importances))
    return shown


def study_lines(outcome: TuneOutcome) -> str:
    """The best trial against the current settings, as Markdown."""
    return "\n\n".join(outcome_lines(outcome))


def apply_study(outcome: TuneOutcome) -> Outcome:
    return run(apply_best, outcome)


def report_tuning(outcome: TuneOutcome, apply: bool, out: Path | None) -> None:
    """A script run's summary: the outcome lines, the apply line, the trials CSV."""
    if not script_mode():
        return
    lines = outcome_lines(outcome)
    if apply:
        lines.append(apply_best(outcome))
    written = write_table(outcome.trials, out, "trials")
    print("\n".join([*lines, *([written] if written else [])]), flush=True)
