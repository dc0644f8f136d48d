"""`mlb retrain`: for each target, decide whether to retrain, train a challenger when it
pays, promote it only if it is clearly better than the champion on games neither saw and
that did not trigger it, and record every decision with its reasons (MLflow and the
state store).

Without the future to wait for, the recent past is split at ``as_of - comparison_days``
(the split instant): the champion is judged (degraded, stale, drifting) as of the split,
on the sliding window ending there; a challenger is fitted as of the split, as the replay
would have fitted it that morning; and the two are compared on the games after the split.
So the games that triggered a retrain never decide its promotion, and the model promoted
is exactly the one measured.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
from pydantic import ValidationError

from mlbcore import tracking
from mlbcore.errors import MlbError
from mlbcore.feature_cache.cached_features import data_and_features
from mlbcore.health import preflight
from mlbcore.lifecycle.assessment import champion_check, compare
from mlbcore.lifecycle.decisions import Comparison, Decision, decide, promotion
from mlbcore.lifecycle.state_store import DecisionRecord, StateStore
from mlbcore.lifecycle.train_job import Progress, train_models
from mlbcore.processes import this_process
from mlbcore.settings import RetrainingConfig, Settings
from mlbcore.targets import Target
from mlbcore.training.as_of import known_labelled


@dataclass
class RetrainOutcome:
    target: Target
    decision: Decision
    champion_version: int | None  # before the decision
    challenger_version: int | None = None
    challenger_run_id: str | None = None
    promoted: bool = False
    comparison: Comparison | None = None
    reasons: list[str] = field(default_factory=list)  # the decision's, then promotion's
    decision_run_id: str = ""


def retraining_policy(settings: Settings, window_days: int | None) -> RetrainingConfig:
    """The configured policy, with ``--window-days`` checked by the same rule (3..10)."""
    if window_days is None:
        return settings.retraining
    try:
        return RetrainingConfig.model_validate(
            settings.retraining.model_dump() | {"sliding_window_days": window_days}
        )
    except ValidationError as error:
        raise MlbError(
            f"--window-days must be from 3 to 10 days, got {window_days} "
            f"({error.errors()[0]['msg']})"
        ) from None


def split_instant(policy: RetrainingConfig, as_of: datetime) -> datetime:
    """Where the trigger's games end and the comparison's begin."""
    return as_of - timedelta(days=policy.comparison_days)


def retrain(
    settings: Settings,
    targets: list[Target],
    as_of: datetime,
    window_days: int | None = None,
    force: bool = False,
    data: Path | str | None = None,
    progress: Progress = lambda _: None,
    job_run_id: int | None = None,
    now: datetime | None = None,
) -> list[RetrainOutcome]:
    import mlflow

    policy = retraining_policy(settings, window_days)
    preflight(settings)  # every store must answer before the features are built
    progress("loading data")
    snapshot, features = data_and_features(settings, data)
    experiment_id = tracking.configure(settings)
    store = StateStore(settings)
    outcomes = []
    split = split_instant(policy, as_of)
    for target in targets:
        known = known_labelled(features, snapshot.games, target, as_of)
        champion = tracking.champion(target, snapshot.games_source)
        champion_model = (
            tracking.load_model(champion.uri, settings.training.num_threads) if champion else None
        )
        check = None
        if champion is not None and champion.trained_as_of_utc >= split and not force:
            decision = Decision(
                "skip",
                [
                    f"champion trained {champion.trained_as_of_utc:%Y-%m-%d %H:%M} UTC, after "
                    f"the split {split:%Y-%m-%d %H:%M} UTC: it is judged once "
                    f"{policy.comparison_days} days (comparison_days) have followed it"
                ],
            )
        else:
            if champion is not None:
                assert champion_model is not None  # loaded with the champion
                check = champion_check(
                    target,
                    known.filter(pl.col("result_known_at_utc") <= split),
                    features,
                    champion_model,
                    champion.trained_as_of_utc,
                    champion.metric_at_training,
                    champion.training_dates,
                    split,
                    policy,
                    tracking.newest_trained_as_of(target, snapshot.games_source),
                    snapshot.odds_lines,
                )
            decision = decide(policy, check, force)
            if champion is not None and decision.trains:
                decision.reasons.append(
                    f"judged as of the split {split:%Y-%m-%d %H:%M} UTC "
                    f"({policy.comparison_days} days before the as-of instant)"
                )
        outcome = RetrainOutcome(
            target, decision, champion.version if champion else None, reasons=decision.reasons[:]
        )
        progress(f"{target}: {decision.action} ({'; '.join(decision.reasons)})")
        if decision.trains:
            try:
                # The first champion is fitted on everything known; a challenger as of
                # the split, so the games after it are unseen by both models.
                run = train_models(
                    settings,
                    [target],
                    as_of=as_of if champion is None else split,
                    promote=False,
                    loaded=(snapshot, features),
                    now=now,
                    tags={"retrain_decision": decision.action},
                )
            except MlbError as error:
                outcome.reasons.append(f"challenger not trained: {error}")
            else:
                trained = run.trained[0]
                outcome.challenger_version = trained.version
                outcome.challenger_run_id = trained.run_id
                if trained.rejected_reasons:
                    promote, why = False, "promotion gate: " + "; ".join(trained.rejected_reasons)
                elif champion is None:
                    promote, why = True, "first champion"
                else:
                    assert champion_model is not None  # loaded with the champion
                    outcome.comparison = compare(
                        target,
                        known,
                        champion_model,
                        champion.trained_as_of_utc,
                        trained.result.model,
                        split,
                    )
                    promote, why = promotion(policy, outcome.comparison)
                outcome.promoted = promote
                outcome.reasons.append(why)
                if promote:
                    tracking.set_champion(target, snapshot.games_source, trained.version, why)
                else:
                    tracking.reject_challenger(target, snapshot.games_source, trained.version, why)
                mlflow.MlflowClient().set_tag(trained.run_id, "promotion", why)
        progress(f"{target}: " + ("promoted" if outcome.promoted else "champion kept"))
        outcome.decision_run_id = _log_decision(experiment_id, outcome, as_of, policy)
        store.record_decision(
            DecisionRecord(
                target.value,
                as_of,
                decision.action,
                outcome.reasons,
                outcome.champion_version,
                outcome.challenger_version,
                outcome.promoted,
                outcome.decision_run_id,
            ),
            job_run_id,
        )
        outcomes.append(outcome)
    return outcomes


def _log_decision(
    experiment_id: str, outcome: RetrainOutcome, as_of: datetime, policy: RetrainingConfig
) -> str:
    """A small MLflow run per decision, so the MLflow UI lists every one with reasons."""
    import mlflow

    tags = {
        "target": outcome.target.value,
        "run_type": "retrain_decision",
        "decision": outcome.decision.action,
        "reasons": "\n".join(outcome.reasons)[:4900],
        "promoted": str(outcome.promoted).lower(),
        "champion_version": str(outcome.champion_version or ""),
        "challenger_version": str(outcome.challenger_version or ""),
        "challenger_run_id": outcome.challenger_run_id or "",
        **this_process().as_tags(),  # so a later command can tell a killed run
    }
    with mlflow.start_run(
        experiment_id=experiment_id,
        run_name=f"decide_{outcome.target.value}_{as_of.astimezone(UTC):%Y%m%d_%H%M%S}",
        tags=tags,
    ) as run:
        mlflow.log_params(
            {"as_of_utc": as_of.isoformat()}
            | {f"policy_{k}": v for k, v in policy.model_dump().items()}
        )
        comparison = outcome.comparison
        if comparison and comparison.champion_metric is not None:
            metrics = {
                "comparison_games": comparison.games,
                "champion_metric": comparison.champion_metric,
                "challenger_metric": comparison.challenger_metric or 0.0,
            }
            if comparison.difference is not None:
                metrics |= comparison.difference.as_dict("challenger_minus_champion_")
            mlflow.log_metrics(metrics)
        return str(run.info.run_id)
