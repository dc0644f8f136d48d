"""What the drift, replay and schedule pages call besides their first job: the drift
table and its drill-down, fitting a challenger, a replay that runs in the background with
its progress and a cancel, and the schedule page's runner, run-now and delete."""

import sys
import threading
import time
import traceback
from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl

from mlbcore import formatting
from mlbcore.errors import MlbError
from mlbcore.masking import masked
from mlbcore.notebook.controls import as_of_instant, now, script_mode
from mlbcore.notebook.jobs import Outcome, run
from mlbcore.settings import load_settings
from mlbcore.targets import Target, parse_targets

GREY = {"color": "#9a9a9a"}
_NOT_JUDGED = ("calendar", "data source")

# Drift


def drift_table(distributions: pl.DataFrame) -> pl.DataFrame:
    """The per-feature table as people read it: judged features first, then those a
    change of data source explains, then the calendar ones; 3 significant digits."""
    return distributions.select(
        "feature",
        verdict=pl.col("level").replace({"ok": "no drift"}),
        psi=pl.col("psi").round_sig_figs(3),
        wasserstein_sd=pl.col("wasserstein_std").round_sig_figs(3),
        ks_p=pl.col("ks_p").round_sig_figs(3),
        bh_q=pl.col("bh_q").round_sig_figs(3),
    )


def _three_digits(value: float | None) -> str:
    return formatting.significant(value, 3)


# How the page shows the drift table's numbers (the table keeps them, so sorting and
# --out see numbers): 3 significant digits, and p- and q-values under 0.001 as "<0.001".
DRIFT_TABLE_FORMATS: dict[str, Callable[[Any], str]] = {
    "psi": _three_digits,
    "wasserstein_sd": _three_digits,
    "ks_p": formatting.p_value,
    "bh_q": formatting.p_value,
}


def greyed_unjudged(table: pl.DataFrame) -> Callable[[str, str, Any], dict[str, Any]]:
    """A table's ``style_cell``: the rows of features shown but not judged in grey."""
    grey = {str(i) for i, v in enumerate(table["verdict"]) if v in _NOT_JUDGED}
    return lambda row, _column, _value: GREY if row in grey else {}


def picked_feature(selection: Any, fallback: str) -> str:
    """The feature a table selection picked, else ``fallback`` (the dropdown's)."""
    picked = selection if isinstance(selection, pl.DataFrame) else pl.DataFrame(selection)
    if picked.is_empty() or "feature" not in picked.columns:
        return fallback
    return str(picked["feature"][0])


def retrain_outcome_text(outcome: Any) -> str:
    """One retrain decision as a sentence: what was decided and why, the challenger, and
    whether it replaced the champion."""
    champion = (
        f"champion v{outcome.champion_version}" if outcome.champion_version else "no champion"
    )
    reasons = outcome.reasons or outcome.decision.reasons
    text = f"**{outcome.decision.action}** ({champion}): " + "; ".join(reasons)
    if outcome.challenger_version is not None:
        ending = "promoted: it is the champion now" if outcome.promoted else "not promoted"
        text += f"\n\nChallenger v{outcome.challenger_version} {ending}."
    return text


def fit_challenger(target: str, as_of: date) -> Outcome:
    """The retrain decision for ``target`` as of the end of ``as_of``, as `mlb retrain`
    makes it: a challenger is fitted when the policy says so, and promoted only when it
    beats the champion on games neither saw. Returns the sentence saying what happened."""
    from mlbcore.lifecycle.retrain import retrain

    def job() -> str:
        [outcome] = retrain(load_settings(), [Target(target)], as_of_instant(as_of))
        return retrain_outcome_text(outcome)

    return run(job)


# Replay in the background


class ReplayJob:
    """A replay on a thread of its own, so the page stays live: it shows the progress,
    and its cancel is heard between days. In a script run it runs before returning."""

    def __init__(self, work: Callable[[Any], Any]) -> None:
        from mlbcore.lifecycle.replay_progress import ReplayProgress

        self.tracker = ReplayProgress()
        self.outcome: Outcome | None = None
        self.delivered = False
        self._started = time.monotonic()
        self._seconds: float | None = None
        if script_mode():
            self.outcome = run(work, self.tracker)
            return
        import marimo as mo

        # A marimo thread: re-running the cell that started it tells it to stop too.
        self._thread = mo.Thread(target=self._work, args=(work,), daemon=True)
        self._thread.start()

    def _work(self, work: Callable[[Any], Any]) -> None:
        watcher = threading.Thread(target=self._watch_cell, daemon=True)
        watcher.start()
        try:
            self.outcome = Outcome(value=work(self.tracker))
        except MlbError as error:
            self.outcome = Outcome(error=masked(str(error)))
        except Exception as error:  # shown on the page; the traceback goes to the log
            print(masked(traceback.format_exc()), file=sys.stderr)
            self.outcome = Outcome(error=f"the replay failed: {masked(repr(error))}")
        self._seconds = time.monotonic() - self._started

    def _watch_cell(self) -> None:
        while self.outcome is None:
            if self._thread.should_exit:
                self.tracker.cancel()
                return
            time.sleep(0.5)

    @property
    def done(self) -> bool:
        return self.outcome is not None

    def cancel(self) -> None:
        self.tracker.cancel()

    @property
    def cancelled(self) -> bool:
        return self.tracker.cancelled

    def deliver(self, notify: Callable[[Any], None]) -> None:
        """Call ``notify`` once, when the replay has ended (the page's state setter)."""
        if self.done and not self.delivered:
            self.delivered = True
            notify(lambda count: count + 1)

    def status_text(self) -> str:
        from mlbcore.formatting import duration_text

        if self.outcome is not None:
            took = duration_text(self._seconds or 0.0)
            if self.tracker.cancelled:
                return f"Cancelled after {self.tracker.days_done} days ({took})."
            return f"Done: {self.tracker.days_done} days in {took}."
        step = f" ({self.tracker.step})" if self.tracker.step else ""
        if self.tracker.cancelled:
            return f"Cancelling after the day in hand{step}: {self.tracker.text()}."
        return f"Replaying{step}: {self.tracker.text()}."


def start_replay(
    season: int, schedule: str, targets: list[str], policies: list[str],
    policy_values: dict[str, Any],
) -> ReplayJob:  # fmt: skip
    from mlbcore.lifecycle.replay import parse_policy, replay_season

    def work(tracker: Any) -> Any:
        settings = load_settings()
        try:
            policy = parse_policy(
                settings.retraining, [f"{k}={v}" for k, v in policy_values.items()]
            )
        except MlbError as error:  # the page has fields, not flags
            raise MlbError(str(error).replace("--policy ", "policy setting ")) from None
        return replay_season(
            settings, season, schedule, policy, parse_targets(targets),
            policies=tuple(policies), tracker=tracker,
        )  # fmt: skip

    return ReplayJob(work)


# Schedules


def schedule_page(as_of: date) -> Outcome:
    """Schedules with their next runs, the job history, each target's status as of the
    end of ``as_of`` (the page's date), and whether a scheduler runner is alive."""
    from mlbcore.lifecycle.runners import runner_state
    from mlbcore.lifecycle.scheduler import schedule_overview
    from mlbcore.lifecycle.state_store import StateStore
    from mlbcore.lifecycle.status import status_table, target_statuses

    def job() -> dict[str, Any]:
        settings = load_settings()
        store, wall = StateStore(settings), now()
        return {
            "schedules": schedule_overview(settings, wall),
            "history": store.job_runs(100),
            "status": status_table(target_statuses(settings, as_of_instant(as_of))),
            "runner": runner_state(store.runners(), wall),
        }

    return run(job)


def run_schedule_now(schedule_id: int, as_of: date) -> Outcome:
    """Run a schedule's job once, as of the end of ``as_of``; its slots still run."""
    from mlbcore.lifecycle.scheduler import run_now

    return run(lambda: run_now(load_settings(), schedule_id, as_of_instant(as_of)))


def delete_schedule(schedule_id: int) -> Outcome:
    from mlbcore.lifecycle.scheduler import delete_schedule as delete

    return run(lambda: delete(load_settings(), schedule_id))
