"""What the notebooks call: control defaults that work the same when edited, served as an
app or run as a script, and the training job with errors turned into messages."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mlbcore.errors import MlbError
from mlbcore.settings import Settings, load_settings
from mlbcore.targets import ALL_TARGETS, Target, parse_targets


class TrainControls(BaseModel):
    """The training notebook's controls, from the command line in a script run."""

    model_config = ConfigDict(extra="forbid")

    targets: list[Target] = Field(default_factory=lambda: list(ALL_TARGETS))
    days: int = Field(90, ge=1)
    end_date: date | None = None

    @field_validator("targets", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [v for v in value.replace(",", " ").split() if v]
        return value


def script_mode() -> bool:
    import marimo as mo

    meta = mo.app_meta()
    return meta.mode == "script"


def train_controls() -> TrainControls:
    """Defaults for the controls: command-line values in a script run
    (``python notebooks/train.py --targets moneyline_home_win --days 60``), else the
    design's defaults. A bad value raises ``MlbError`` naming the flag."""
    import marimo as mo

    try:
        args = dict(mo.cli_args())
    except Exception:  # in pytest's "test" mode marimo has no command line
        args = {}
    args = {k.replace("-", "_"): v for k, v in args.items()}
    try:
        controls = TrainControls.model_validate(args)
    except ValidationError as error:
        first = error.errors()[0]
        flag = "--" + str(first["loc"][0]).replace("_", "-") if first["loc"] else "arguments"
        raise MlbError(f"{flag}: {first['msg']} (got {first.get('input')!r})") from None
    parse_targets([t.value for t in controls.targets])
    return controls


def data_date_range(settings: Settings | None = None) -> tuple[date, date]:
    """First and last game dates of the configured data, for date pickers."""
    from mlbcore.data.snapshot import load_snapshot

    settings = settings or load_settings()
    dates = load_snapshot(settings.mlb_data).games["date"]
    first, last = dates.min(), dates.max()
    assert isinstance(first, date) and isinstance(last, date)
    return first, last


@dataclass
class Outcome:
    """A job's result, or the one-line message saying why there is none."""

    value: Any = None
    error: str | None = None


def train(targets: list[str], days: int, end_date: date | None) -> Outcome:
    """Run the training job; expected failures become ``Outcome.error``, except in a
    script run, where they raise so the script exits non-zero."""
    from mlbcore.training.pipeline import train_models

    try:
        settings = load_settings()
        run = train_models(settings, parse_targets(targets), days=days, end_date=end_date)
    except MlbError as error:
        if script_mode():
            raise
        return Outcome(error=str(error))
    return Outcome(value=run)


def run_reference(run_id: str, experiment_id: str, settings: Settings | None = None) -> str:
    """Markdown for a run id: a link to its page when ``MLFLOW_UI_URL`` is set."""
    settings = settings or load_settings()
    if not settings.mlflow_ui_url:
        return f"`{run_id}`"
    base = settings.mlflow_ui_url.rstrip("/")
    return f"[`{run_id}`]({base}/#/experiments/{experiment_id}/runs/{run_id})"
