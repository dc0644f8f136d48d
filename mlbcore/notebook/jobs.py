"""The jobs the notebooks run, each one call into mlbcore, with a known error turned into
the message the page shows (or, in a script run, the one line the CLI prints)."""

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

from mlbcore.errors import MlbError
from mlbcore.masking import mask_every_output, masked, print_masked_traceback
from mlbcore.notebook.controls import as_of_instant, now, script_mode
from mlbcore.notebook.words import in_app_words
from mlbcore.settings import load_settings
from mlbcore.targets import Target, parse_targets


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


@dataclass
class Outcome:
    """A job's result, or the one-line message saying why there is none."""

    value: Any = None
    error: str | None = None
    asked: str = ""  # what was asked, in words, shown with a result kept on the page


def run(job: Callable[..., Any], *args: Any, **kwargs: Any) -> Outcome:
    """Run a job; expected failures (``MlbError``) become ``Outcome.error``, except in a
    script run, where they raise so the script exits non-zero."""
    try:
        return Outcome(value=job(*args, **kwargs))
    except MlbError as error:
        if script_mode():
            raise
        return Outcome(error=in_app_words(masked(str(error))))


def train(
    targets: list[str], days: int, end_date: date | None,
    progress: Callable[[str], None] = lambda _: None, promote: bool = False,
) -> Outcome:  # fmt: skip
    """Train and register; the champions move only when ``promote`` (the notebook leaves
    that to its Promote button)."""
    from mlbcore.lifecycle.train_job import train_models

    outcome = run(
        lambda: train_models(
            load_settings(),
            parse_targets(targets),
            days=days,
            end_date=end_date,
            progress=progress,
            promote=promote,
        )
    )
    ending = f"ending {end_date}" if end_date else "ending on the data's last date"
    outcome.asked = f"{', '.join(targets)}; a {days}-day window {ending}"
    return outcome


def evaluate(target: str, days: int, as_of: date, log: bool = True) -> Outcome:
    from mlbcore.evaluation.evaluate import evaluate as evaluate_champion

    return run(
        lambda: evaluate_champion(
            load_settings(), Target(target), days, as_of_instant(as_of), log=log
        )
    )


def evaluate_run(target: str, days: int, as_of: date, log: bool) -> Any:
    """One press of Evaluate, with the controls it ran with and the champion's health word
    as of the same instant, for its card (``cards.EvaluationRun``)."""
    from mlbcore.lifecycle.status import target_statuses
    from mlbcore.notebook.cards import EvaluationRun

    outcome = evaluate(target, days, as_of, log)
    health = None
    if outcome.value is not None:
        statuses = target_statuses(load_settings(), outcome.value.as_of)
        health = next(s.health for s in statuses if s.target == Target(target))
    return EvaluationRun(target, days, as_of, log, outcome, health)


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


def save_schedule(values: dict[str, Any]) -> Outcome:
    from mlbcore.lifecycle.scheduler import save_schedule as save

    return run(lambda: save(load_settings(), now(), **values))


def schedules_and_history(as_of: date | None = None) -> Outcome:
    """Schedules with next runs (wall clock: schedules run in real time), the job history
    and each target's status as of the end of ``as_of`` (default: the data's last result;
    ``as_of_basis`` says which, for the page to show)."""
    from mlbcore.lifecycle.scheduler import schedule_overview
    from mlbcore.lifecycle.state_store import StateStore
    from mlbcore.lifecycle.status import status_as_of, status_table, target_statuses

    def job() -> dict[str, Any]:
        settings = load_settings()
        instant = status_as_of(settings, as_of_instant(as_of) if as_of else None)
        return {
            "schedules": schedule_overview(settings, now()),
            "history": StateStore(settings).job_runs(100),
            "status": status_table(target_statuses(settings, instant=instant)),
            "as_of_basis": instant.basis,
        }

    return run(job)


def home_overview(as_of: date | None = None) -> Outcome:
    """For the landing notebook: each target's verdict card (champion health and its last
    out-of-sample evaluation against the market), each back end's health and each
    target's status as of the end of ``as_of`` (default: when the data's last result
    became known, never the wall clock; ``as_of_basis`` says which, for the page to show)."""
    import polars as pl

    from mlbcore.health import backend_health
    from mlbcore.lifecycle.status import status_as_of, status_table, target_statuses
    from mlbcore.notebook.cards import home_cards

    def job() -> dict[str, Any]:
        settings = load_settings()
        backends = backend_health(settings)
        down = [b.name for b in backends if b.configured and not b.up]
        given = as_of_instant(as_of) if as_of else None
        # Model status needs the data and the MLflow store: skipped (said so) when one is down.
        instant = None if down else status_as_of(settings, given)
        statuses = None if instant is None else target_statuses(settings, instant=instant)
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
            "status": None if statuses is None else status_table(statuses),
            "cards": None if statuses is None else home_cards(statuses),
            "as_of_basis": None if instant is None else instant.basis,
        }

    return run(job)
