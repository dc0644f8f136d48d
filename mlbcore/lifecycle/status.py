"""Each target's state for `mlb status`, the landing view and the schedule notebook: its
champion, how old it is, its last evaluation and last retrain decision, and one word.

The word: ``no_models`` without a champion; ``degraded`` when its last evaluation's
primary metric is worse than at training by more than the degradation threshold;
``stale`` when it is older than ``retrain_schedule_hours`` plus ``stale_grace_hours`` (a
champion checked daily is not stale at its next check); else ``healthy``.

Time is the data's, never the wall clock: everything is judged as of an instant, by
default when the data's last result became known, else the as-of a person gave. The
champion is the one in place then (``tracking.champion_as_of``: a model trained on later
games is never shown for an earlier date), so an age is never negative; decisions and
evaluations made after the instant do not count.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from mlbcore import tracking
from mlbcore.data.last_result import last_result_utc
from mlbcore.data.source import data_games_source
from mlbcore.formatting import duration_text
from mlbcore.lifecycle.decisions import is_stale, relative_rise
from mlbcore.lifecycle.state_store import REASON_SEPARATOR, StateStore
from mlbcore.settings import Settings
from mlbcore.targets import ALL_TARGETS, PRIMARY_METRIC, Target


@dataclass
class TargetStatus:
    target: Target
    health: str  # no_models, healthy, degraded, stale
    version: int | None = None
    trained_as_of_utc: datetime | None = None
    age_hours: float | None = None
    metric_at_training: float | None = None
    last_evaluation: dict[str, float] = field(default_factory=dict)
    last_evaluation_as_of_utc: str | None = None
    last_decision: str | None = None
    last_decision_reasons: list[str] = field(default_factory=list)
    last_decision_as_of_utc: datetime | None = None
    as_of_utc: datetime | None = None  # the instant it is judged as of
    as_of_basis: str = ""  # which instant that is, in words (see ``status_as_of``)
    note: str = ""  # why there is no champion then, when there is one later


@dataclass(frozen=True)
class StatusInstant:
    """The instant a status is judged as of, and what it is, for the page to say."""

    as_of_utc: datetime
    basis: str  # "the data's last result, 2016-10-02 10:00 UTC"


def status_as_of(
    settings: Settings, as_of: datetime | None = None, data: str | None = None
) -> StatusInstant:
    """``as_of`` when given ("the as-of date"), else when the data's last result became
    known; with no result at all, the wall clock, said so."""
    last = last_result_utc(settings, data)
    if as_of is not None:
        after = (
            f"; the data's last result is {last:%Y-%m-%d %H:%M} UTC"
            if last is not None and as_of > last
            else ""
        )
        return StatusInstant(as_of, f"the as-of date, {as_of:%Y-%m-%d %H:%M} UTC{after}")
    if last is None:
        now = datetime.now(UTC)  # nothing in the data tells time: the one fallback
        return StatusInstant(now, f"now, {now:%Y-%m-%d %H:%M} UTC (the data has no result yet)")
    return StatusInstant(last, f"the data's last result, {last:%Y-%m-%d %H:%M} UTC")


def health_word(
    settings: Settings,
    age_hours: float | None,
    at_training: float | None,
    evaluated: float | None,
    decided_degraded: bool = False,
) -> str:
    """``decided_degraded``: the last retrain decision found this champion degraded and
    kept it (its challenger lost)."""
    if age_hours is None:
        return "no_models"
    threshold = settings.retraining.performance_degradation_threshold
    worse = relative_rise(evaluated, at_training)
    if decided_degraded or (worse is not None and worse > threshold):
        return "degraded"
    if is_stale(settings.retraining, age_hours):
        return "stale"
    return "healthy"


def _last_evaluation(experiment_id: str, uri: str, as_of: datetime) -> tuple[dict, str | None]:
    """The newest trusted evaluation of ``uri`` made as of ``as_of`` or before."""
    from mlflow import MlflowClient

    runs = MlflowClient().search_runs(
        [experiment_id],
        filter_string=(
            # Only evaluations that scored no in-sample game (older runs lack the tag and
            # may have scored the training window, so they are not trusted either).
            "tags.run_type = 'evaluation' and tags.in_sample_games = '0' and "
            f"tags.evaluated_model = '{uri}'"
        ),
        order_by=["attributes.start_time DESC"],
        max_results=50,
    )
    # MLflow compares params only for equality: the as-of filter is done here.
    run = next((r for r in runs if _as_of_param(r) <= as_of), None)
    if run is None:
        return {}, None
    metrics = {k.removeprefix("eval_"): v for k, v in run.data.metrics.items()}
    return metrics, run.data.params.get("as_of_utc")


def _as_of_param(run: Any) -> datetime:
    text = run.data.params.get("as_of_utc")
    if not text:
        return datetime.max.replace(tzinfo=UTC)  # unknown: never counted as of a date
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def target_statuses(
    settings: Settings,
    as_of: datetime | None = None,
    source: str | None = None,
    instant: StatusInstant | None = None,
) -> list[TargetStatus]:
    """Each target's status for the champions of ``source``'s games (default: the
    configured data's), judged as of ``as_of`` (default: the data's last result; see
    ``status_as_of``; ``instant`` passes one already resolved)."""
    instant = instant or status_as_of(settings, as_of)
    as_of = instant.as_of_utc
    source = source or data_games_source(settings)
    experiment_id = tracking.configure(settings)
    decisions = StateStore(settings).decisions(limit=200)
    decisions = decisions.filter(pl.col("as_of_utc") <= as_of)  # none made after the instant
    statuses = []
    for target in ALL_TARGETS:
        status = TargetStatus(target, "no_models", as_of_utc=as_of, as_of_basis=instant.basis)
        mine = decisions.filter(decisions["target"] == target.value)
        if mine.height:
            row = mine.row(0, named=True)
            status.last_decision = row["action"] + (" + promoted" if row["promoted"] else "")
            status.last_decision_reasons = row["reasons"].split(REASON_SEPARATOR)
            status.last_decision_as_of_utc = row["as_of_utc"]
        champion, status.note = _champion_as_of(target, source, as_of)
        decided_degraded = bool(
            mine.height
            and champion is not None
            and mine["champion_version"][0] == champion.version
            and not mine["promoted"][0]
            and any(r.startswith("degraded") for r in status.last_decision_reasons)
        )
        if champion is not None:
            status.version = champion.version
            status.trained_as_of_utc = champion.trained_as_of_utc
            # champion_as_of never returns a model trained after as_of: max() only guards.
            age = (as_of - champion.trained_as_of_utc).total_seconds() / 3600
            status.age_hours = max(0.0, age)
            status.metric_at_training = champion.metric_at_training
            status.last_evaluation, status.last_evaluation_as_of_utc = _last_evaluation(
                experiment_id, champion.uri, as_of
            )
        status.health = health_word(
            settings,
            status.age_hours,
            status.metric_at_training,
            status.last_evaluation.get(PRIMARY_METRIC[target]),
            decided_degraded,
        )
        statuses.append(status)
    return statuses


def _champion_as_of(
    target: Target, source: str, as_of: datetime
) -> tuple[tracking.Champion | None, str]:
    """The champion in place at ``as_of`` and, when there was none then but is now, why;
    the current one first (one lookup), the version history only when it came later."""
    current = tracking.champion(target, source)
    if current is None or current.trained_as_of_utc <= as_of:
        return current, ""
    then = tracking.champion_as_of(target, source, as_of)
    if then is not None:
        return then, ""
    return None, (
        f"no champion yet as of {as_of:%Y-%m-%d %H:%M} UTC: the current one, "
        f"v{current.version}, was trained as of {current.trained_as_of_utc:%Y-%m-%d %H:%M} UTC"
    )


def _rounded(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def status_table(statuses: list[TargetStatus]) -> pl.DataFrame:
    """One row per target, for the notebooks' tables."""
    return pl.DataFrame(
        [
            {
                "target": s.target.value,
                "health": s.health,
                "champion_version": s.version,
                "trained_as_of_utc": s.trained_as_of_utc,
                "age": duration_text(s.age_hours * 3600) if s.age_hours is not None else None,
                "age_as_of": s.as_of_basis,  # the data's time, never the wall clock
                "metric": PRIMARY_METRIC[s.target],
                "at_training": _rounded(s.metric_at_training),
                "last_evaluation": _rounded(s.last_evaluation.get(PRIMARY_METRIC[s.target])),
                "last_decision": s.last_decision,
                "last_decision_reasons": "; ".join(s.last_decision_reasons),
                "note": s.note,
            }
            for s in statuses
        ],
        schema_overrides={
            "champion_version": pl.Int64,
            "trained_as_of_utc": pl.Datetime("us", "UTC"),
            "age": pl.String,
            "at_training": pl.Float64,
            "last_evaluation": pl.Float64,
            "last_decision": pl.String,
        },
    )
