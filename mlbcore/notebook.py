"""What the notebooks call: control defaults that work the same when edited, served as an
app or run as a script, and the jobs with errors turned into messages."""

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mlbcore.clock import MAX_WINDOW_DAYS
from mlbcore.errors import MlbError
from mlbcore.masking import mask_every_output, masked, print_masked_traceback
from mlbcore.settings import Settings, load_settings
from mlbcore.targets import ALL_TARGETS, Target, parse_targets


def _known_errors_in_one_line(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    """A notebook run as a script ends on a known error (``MlbError``, raised so the
    script exits non-zero) with its one line, as the CLI does; anything else, or
    ``MLB_DEBUG=1``, keeps the traceback; both with passwords masked."""
    if isinstance(error, MlbError) and not os.environ.get("MLB_DEBUG"):
        print(f"{Path(sys.argv[0]).name}: error: {masked(str(error))}", file=sys.stderr)
        return
    print_masked_traceback(kind, error, trace)


mask_every_output()  # what MLflow and the drivers log or warn, in a script run or the app
if sys.excepthook is print_masked_traceback:  # a debugger's or an IDE's hook stays
    sys.excepthook = _known_errors_in_one_line


def _words(value: Any) -> Any:
    """``--targets a,b`` or ``--targets "a b"`` from a command line, as a list."""
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    return value


class TrainControls(BaseModel):
    """The training notebook's controls, from the command line in a script run."""

    model_config = ConfigDict(extra="forbid")

    targets: list[Target] = Field(default_factory=lambda: list(ALL_TARGETS))
    days: int = Field(default=90, ge=1, le=MAX_WINDOW_DAYS)
    end_date: date | None = None

    _words = field_validator("targets", mode="before")(lambda value: _words(value))


class LifecycleControls(BaseModel):
    """The evaluate and drift notebooks' controls."""

    model_config = ConfigDict(extra="forbid")

    target: Target = Target.MONEYLINE_HOME_WIN
    days: int = Field(default=30, ge=1, le=MAX_WINDOW_DAYS)
    as_of: date | None = None  # default: the data's last date


class ReplayControls(BaseModel):
    """The replay notebook's controls (policy values default to the settings')."""

    model_config = ConfigDict(extra="forbid")

    season: int | None = None  # default: the data's last season
    schedule: Literal["daily", "weekly"] = "daily"
    targets: list[Target] = Field(default_factory=lambda: list(ALL_TARGETS))
    policies: list[Literal["policy", "never", "daily"]] = Field(
        default_factory=lambda: ["policy", "never", "daily"]
    )

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


@dataclass
class Outcome:
    """A job's result, or the one-line message saying why there is none."""

    value: Any = None
    error: str | None = None


def run(job: Callable[..., Any], *args: Any, **kwargs: Any) -> Outcome:
    """Run a job; expected failures (``MlbError``) become ``Outcome.error``, except in a
    script run, where they raise so the script exits non-zero."""
    try:
        return Outcome(value=job(*args, **kwargs))
    except MlbError as error:
        if script_mode():
            raise
        return Outcome(error=masked(str(error)))


def data_date_range(settings: Settings | None = None) -> tuple[date, date]:
    """First and last game dates of the configured data, for date pickers."""
    from mlbcore.data.snapshot import load_snapshot

    settings = settings or load_settings()
    dates = load_snapshot(settings.mlb_data).games["date"]
    first, last = dates.min(), dates.max()
    assert isinstance(first, date) and isinstance(last, date)
    return first, last


def progress_steps_of_training(targets: list[str]) -> int:
    """How many progress lines a training job reports: load, features, each target's
    training, MLflow, each target's run logged."""
    return 3 + 2 * len(targets)


def train(
    targets: list[str], days: int, end_date: date | None,
    progress: Callable[[str], None] = lambda _: None,
) -> Outcome:  # fmt: skip
    from mlbcore.lifecycle.train_job import train_models

    return run(
        lambda: train_models(
            load_settings(),
            parse_targets(targets),
            days=days,
            end_date=end_date,
            progress=progress,
        )
    )


def evaluate(target: str, days: int, as_of: date) -> Outcome:
    from mlbcore.evaluation.evaluate import evaluate as evaluate_champion

    return run(
        lambda: evaluate_champion(load_settings(), Target(target), days, as_of_instant(as_of))
    )


def drift(target: str, days: int, as_of: date) -> Outcome:
    from mlbcore.evaluation.drift import drift_report

    return run(lambda: drift_report(load_settings(), Target(target), as_of_instant(as_of), days))


def replay(
    season: int, schedule: str, targets: list[str], policies: list[str],
    policy_values: dict[str, Any], progress: Callable[[str], None] = lambda _: None,
) -> Outcome:  # fmt: skip
    from mlbcore.lifecycle.replay import parse_policy, replay_season

    def job() -> Any:
        settings = load_settings()
        policy = parse_policy(settings.retraining, [f"{k}={v}" for k, v in policy_values.items()])
        return replay_season(
            settings,
            season,
            schedule,
            policy,
            parse_targets(targets),
            policies=tuple(policies),
            progress=progress,
        )

    return run(job)


def run_reference(run_id: str, experiment_id: str, settings: Settings | None = None) -> str:
    """Markdown for a run id: a link to its page when ``MLFLOW_UI_URL`` is set."""
    settings = settings or load_settings()
    if not settings.mlflow_ui_url:
        return f"`{run_id}`"
    # Everyone who opens the app sees the link: no user name, password or token in it.
    base = masked(settings.mlflow_ui_url, drop_credentials=True).rstrip("/")
    return f"[`{run_id}`]({base}/#/experiments/{experiment_id}/runs/{run_id})"


def now() -> datetime:
    """The wall clock, read here at the notebook's edge and passed down."""
    return datetime.now(UTC)


def save_schedule(values: dict[str, Any]) -> Outcome:
    from mlbcore.lifecycle.scheduler import save_schedule as save

    return run(lambda: save(load_settings(), now(), **values))


def schedules_and_history(as_of: date | None) -> Outcome:
    """Schedules with next runs, the job history and each target's status."""
    from mlbcore.lifecycle.scheduler import schedule_overview
    from mlbcore.lifecycle.state_store import StateStore
    from mlbcore.lifecycle.status import status_table, target_statuses

    def job() -> dict[str, Any]:
        settings = load_settings()
        instant = as_of_instant(as_of) if as_of else now()
        return {
            "schedules": schedule_overview(settings, now()),
            "history": StateStore(settings).job_runs(100),
            "status": status_table(target_statuses(settings, instant)),
        }

    return run(job)


def data_seasons(settings: Settings | None = None) -> list[int]:
    """The seasons in the configured data, for the replay's season picker."""
    from mlbcore.data.snapshot import load_snapshot

    settings = settings or load_settings()
    seasons = load_snapshot(settings.mlb_data).games["season"].unique().sort()
    return [int(s) for s in seasons]


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


def evaluation_defaults() -> tuple[LifecycleControls, date, date, str | None]:
    """The evaluate notebook's control defaults, the data's date range, and a note when
    there is nothing out of sample to score.

    Without ``--days``/``--as-of`` the window runs from the day after the default target's
    champion's training data ended to the data's last date: an evaluation there is out of
    sample. When the champion was trained up to the last date there is no such window, and
    the note says so (evaluating would refuse)."""
    controls = controls_from_command_line(LifecycleControls)
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
                "data's last date: no game after its training is left to score. Train it as of an "
                "earlier date (`mlb train --as-of`) or bring in newer games to evaluate it."
            ),
        )
    days = (last - trained_until).days
    return controls.model_copy(update={"days": days, "as_of": last}), first, last, None


def evaluation_summary(result: Any) -> tuple[str, list[dict[str, Any]]]:
    """An evaluation as the notebook shows it: a headline and one row per number, each
    labelled with the games it was measured on (in-sample ones apart, and saying so)."""
    headline = (
        f"`{result.model_uri}` (trained as of {result.trained_as_of:%Y-%m-%d %H:%M} UTC) "
        f"out of sample on **{result.games} games** from {result.start_utc:%Y-%m-%d %H:%M} to "
        f"{result.as_of:%Y-%m-%d %H:%M} UTC, {result.market_games} of them priced by the market; "
        f"{result.out_of_sample.parts_text()}."
    )
    if result.vs_market is not None:
        headline += (
            f"\n\nModel minus market ({result.vs_market.metric}, same games): "
            f"{result.vs_market.text().replace(result.vs_market.verdict, '')}"
            f"**{result.vs_market.verdict}**"
        )
    rows = _metric_rows(result.metrics, "out of sample")
    rows += [
        {
            "games": "out of sample, bets",
            "metric": f"betting {row['measure']}",
            "value": round(float(row["value"]), 4),
            "95 % CI": row["95 % CI"],
            "verdict": row["verdict"],
        }
        for row in (result.betting.rows() if result.betting else [])
    ]
    if result.in_sample is not None:
        rows += _metric_rows(result.in_sample.metrics, "IN-SAMPLE (not a result)")
    return headline, rows


def _metric_rows(metrics: dict[str, float], games: str) -> list[dict[str, Any]]:
    def which(name: str) -> str:
        if name.startswith("model_priced_"):
            return f"{games}, priced games, model"
        if name.startswith("market_"):
            return f"{games}, priced games, market"
        return f"{games}, all games, model"

    return [
        {
            "games": which(name),
            "metric": name.removeprefix("model_priced_").removeprefix("market_"),
            "value": round(value, 4),
            "95 % CI": "",
            "verdict": "",
        }
        for name, value in metrics.items()
    ]


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


def home_overview() -> Outcome:
    """For the landing notebook: each back end's health and each target's status now."""
    import polars as pl

    from mlbcore.health import backend_health
    from mlbcore.lifecycle.status import status_table, target_statuses

    def job() -> dict[str, Any]:
        settings = load_settings()
        backends = backend_health(settings)
        down = [b.name for b in backends if b.configured and not b.up]
        return {
            "backends": pl.DataFrame(
                [
                    {
                        "backend": b.name,
                        "kind": b.kind,
                        "state": b.state,
                        "latency_ms": round(b.latency_ms, 1) if b.latency_ms is not None else None,
                        "address": b.address,
                        "detail": b.detail,
                    }
                    for b in backends
                ],
                schema_overrides={"latency_ms": pl.Float64},
            ),
            "down": down,
            # Model status needs the MLflow store: skipped (and said so) when a back end is down.
            "status": None if down else status_table(target_statuses(settings, now())),
        }

    return run(job)


def picked_days(daily: Any, selection: Any) -> Any:
    """The rows of ``daily`` (per game date) whose dates a brush on its chart picked;
    every row when nothing is picked."""
    import polars as pl

    picked = pl.from_pandas(selection) if not isinstance(selection, pl.DataFrame) else selection
    if picked.is_empty() or "date" not in picked.columns:
        return daily
    dates = picked["date"].cast(pl.Date).unique()
    return daily.filter(pl.col("date").is_in(dates.implode()))
