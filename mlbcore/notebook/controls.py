"""The notebooks' controls: defaults that work the same when edited, served as an app or
run as a script (values from the command line), and the widgets they share."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from mlbcore.clock import MAX_WINDOW_DAYS
from mlbcore.errors import MlbError
from mlbcore.masking import masked
from mlbcore.settings import Settings, load_settings
from mlbcore.targets import ALL_TARGETS, Target


def _words(value: Any) -> Any:
    """``--targets a,b`` or ``--targets "a b"`` from a command line, as a list."""
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    return value


def _csv_file(out: Path | None) -> Path | None:
    """A script run's ``--out`` table is CSV: refused before any work when it is not."""
    if out is not None and out.suffix.lower() != ".csv":
        raise ValueError("the table is written as CSV: give a file ending in .csv")
    return out


CsvOut = Annotated[Path | None, AfterValidator(_csv_file)]


class TrainControls(BaseModel):
    """The training notebook's controls, from the command line in a script run."""

    model_config = ConfigDict(extra="forbid")

    targets: list[Target] = Field(default_factory=lambda: list(ALL_TARGETS))
    days: int = Field(default=90, ge=1, le=MAX_WINDOW_DAYS)
    end_date: date | None = None
    out: CsvOut = None  # a script run writes the metrics table here as CSV

    _words = field_validator("targets", mode="before")(lambda value: _words(value))


class LifecycleControls(BaseModel):
    """The evaluate and drift notebooks' controls."""

    model_config = ConfigDict(extra="forbid")

    target: Target = Target.MONEYLINE_HOME_WIN
    days: int = Field(default=30, ge=1, le=MAX_WINDOW_DAYS)
    as_of: date | None = None  # default: the data's last date
    out: CsvOut = None  # a script run writes its main table here as CSV


class EvaluateControls(LifecycleControls):
    """The evaluate notebook's controls: ``log`` records the evaluation in MLflow; unset,
    it logs in a script run (as ``mlb evaluate`` does) and not in the app, where it is a
    checkbox to tick."""

    log: bool | None = None


class ReplayControls(BaseModel):
    """The replay notebook's controls (policy values default to the settings')."""

    model_config = ConfigDict(extra="forbid")

    season: int | None = None  # default: the data's last season
    schedule: Literal["daily", "weekly"] = "daily"
    targets: list[Target] = Field(default_factory=lambda: list(ALL_TARGETS))
    policies: list[Literal["policy", "never", "daily"]] = Field(
        default_factory=lambda: ["policy", "never", "daily"]
    )
    out: CsvOut = None  # a script run writes the season summary here as CSV

    _words = field_validator("targets", "policies", mode="before")(lambda value: _words(value))


Controls = TypeVar("Controls", bound=BaseModel)


def script_mode() -> bool:
    import marimo as mo

    meta = mo.app_meta()
    return meta.mode == "script"


def controls_from_command_line(model: type[Controls]) -> Controls:
    """Defaults for a notebook's controls: command-line values in a script run
    (``python notebooks/train.py --targets moneyline_home_win --days 60``), else the
    design's defaults. A bad value raises ``MlbError`` naming the flag."""
    import marimo as mo

    try:
        args = dict(mo.cli_args())
    except Exception:  # in pytest's "test" mode marimo has no command line
        args = {}
    args = {k.replace("-", "_"): v for k, v in args.items()}
    try:
        return model.model_validate(args)
    except ValidationError as error:
        first = error.errors()[0]
        flag = "--" + str(first["loc"][0]).replace("_", "-") if first["loc"] else "arguments"
        raise MlbError(f"{flag}: {first['msg']} (got {first.get('input')!r})") from None


def train_controls() -> TrainControls:
    return controls_from_command_line(TrainControls)


def as_of_instant(day: date | None) -> datetime:
    """The instant a notebook's as-of date stands for: the end of that day, UTC, as
    ``--as-of YYYY-MM-DD`` means on the command line."""
    from mlbcore.clock import parse_as_of

    assert day is not None
    return parse_as_of(day.isoformat())


def now() -> datetime:
    """The wall clock, read here at the notebook's edge and passed down."""
    return datetime.now(UTC)


def run_reference(run_id: str, experiment_id: str, settings: Settings | None = None) -> str:
    """Markdown for a run id: a link to its page when ``MLFLOW_UI_URL`` is set."""
    settings = settings or load_settings()
    if not settings.mlflow_ui_url:
        return f"`{run_id}`"
    # Everyone who opens the app sees the link: no user name, password or token in it.
    base = masked(settings.mlflow_ui_url, drop_credentials=True).rstrip("/")
    return f"[`{run_id}`]({base}/#/experiments/{experiment_id}/runs/{run_id})"


def data_date_range(settings: Settings | None = None) -> tuple[date, date]:
    """First and last game dates of the configured data, for date pickers."""
    from mlbcore.data.snapshot import load_snapshot

    settings = settings or load_settings()
    dates = load_snapshot(settings.mlb_data).games["date"]
    first, last = dates.min(), dates.max()
    assert isinstance(first, date) and isinstance(last, date)
    return first, last


def data_seasons(settings: Settings | None = None) -> list[int]:
    """The seasons in the configured data, for the replay's season picker."""
    from mlbcore.data.snapshot import load_snapshot

    settings = settings or load_settings()
    seasons = load_snapshot(settings.mlb_data).games["season"].unique().sort()
    return [int(s) for s in seasons]


def progress_steps_of_training(targets: list[str]) -> int:
    """How many progress lines a training job reports: load, features, each target's
    training, MLflow, each target's run logged."""
    return 3 + 2 * len(targets)


def replay_controls() -> tuple[ReplayControls, list[int]]:
    """The replay notebook's control defaults and the data's seasons; a ``--season`` the
    data does not hold fails here, with the seasons it does."""
    controls = controls_from_command_line(ReplayControls)
    seasons = data_seasons()
    if controls.season is not None and controls.season not in seasons:
        raise MlbError(
            f"--season {controls.season}: no games in season {controls.season}; "
            f"the data holds {', '.join(map(str, seasons))}"
        )
    return controls, seasons


def lifecycle_defaults() -> tuple[LifecycleControls, date, date]:
    """The drift notebook's control defaults and the data's date range."""
    return controls_from_command_line(LifecycleControls), *data_date_range()


def evaluation_defaults() -> tuple[EvaluateControls, date, date, str | None]:
    """The evaluate notebook's control defaults, the data's date range, and a note when
    there is nothing out of sample to score.

    Without ``--days``/``--as-of`` the window runs from the day after the default target's
    champion's training data ended to the data's last date: an evaluation there is out of
    sample. When the champion was trained up to the last date there is no such window, and
    the note says so (evaluating would refuse)."""
    controls = controls_from_command_line(EvaluateControls)
    if controls.out is not None:
        from mlbcore.evaluation.evaluation_files import check_evaluation_out

        check_evaluation_out(controls.out)  # the bets table and its metrics file beside it
    if controls.log is None:
        controls = controls.model_copy(update={"log": script_mode()})
    first, last = data_date_range()
    if {"days", "as_of"} & controls.model_fields_set:
        return controls, first, last, None
    from mlbcore import tracking
    from mlbcore.data.source import data_games_source

    settings = load_settings()
    tracking.configure(settings)
    champion = tracking.champion(controls.target, data_games_source(settings))
    if champion is None:
        return controls, first, last, None
    trained_until = champion.trained_as_of_utc.astimezone(UTC).date()
    if trained_until >= last:
        return (
            controls,
            first,
            last,
            (
                f"The {controls.target} champion was trained on data up to {trained_until}, the "
                "data's last date: no game after its training is left to score. Train one as of an "
                "earlier date on the Train page, or bring in newer games to evaluate it."
            ),
        )
    days = (last - trained_until).days
    return controls.model_copy(update={"days": days, "as_of": last}), first, last, None


@dataclass
class LifecycleWidgets:
    """Target, window and as-of controls, the same in the evaluate and drift notebooks."""

    target: Any
    days: Any
    as_of: Any

    def row(self, button: Any) -> Any:
        import marimo as mo

        return mo.hstack([self.target, self.days, self.as_of, button], justify="start", align="end")


def lifecycle_widgets(
    defaults: LifecycleControls, first: date, last: date, days_label: str, max_days: int
) -> LifecycleWidgets:
    import marimo as mo

    return LifecycleWidgets(
        target=mo.ui.dropdown(
            options=[t.value for t in ALL_TARGETS], value=defaults.target.value, label="Target"
        ),
        days=mo.ui.number(
            start=1, stop=max_days, value=min(defaults.days, max_days), label=days_label
        ),
        as_of=mo.ui.date(
            start=first, stop=last, value=defaults.as_of or last, label="As of (end of day, UTC)"
        ),
    )


def picked_days(daily: Any, selection: Any) -> Any:
    """The rows of ``daily`` (per game date) whose dates a brush on its chart picked;
    every row when nothing is picked."""
    import polars as pl

    picked = pl.from_pandas(selection) if not isinstance(selection, pl.DataFrame) else selection
    if picked.is_empty() or "date" not in picked.columns:
        return daily
    dates = picked["date"].cast(pl.Date).unique()
    return daily.filter(pl.col("date").is_in(dates.implode()))
