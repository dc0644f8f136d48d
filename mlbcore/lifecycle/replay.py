"""`mlb replay`: walk a season day by day with time set to each morning, and see what a
retraining policy would have done and earned.

Each day at 10:00 UTC (when the previous day's results are known, by the next-morning
rule): on check days (every day, or Mondays for a weekly schedule) the policy decides per
target with the same `decide` and `promotion` as `mlb retrain`; then the day's games are
predicted by the champions in hand, with features frozen at each game's cutoff. Results
are learned the next morning. Models live in memory (nothing is logged to MLflow), so a
season takes seconds per policy rather than hours.

Three policies run on the same games: the configured policy; "never" (the first champion
all season); "daily" (a challenger every check day that always replaces the champion).
The headline compares them, and each with the market, on the same games with a paired
date-block bootstrap interval: a verdict comes from the interval, not the point estimate.

Over ~300 lines on purpose: the day loop and its three policies share a season's state.
"""

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from mlbcore.data.source import load_data
from mlbcore.errors import MlbError
from mlbcore.feature_cache.cached_features import features_for
from mlbcore.feature_cache.store import CacheStats
from mlbcore.lifecycle.assessment import champion_check, compare
from mlbcore.lifecycle.decisions import Decision, decide, promotion
from mlbcore.lifecycle.replay_progress import Day, DayMarks, ReplayProgress
from mlbcore.parallel import resolved_jobs, run_tasks, runs_here, task_settings
from mlbcore.settings import RetrainingConfig, Settings
from mlbcore.targets import PRIMARY_METRIC, Target
from mlbcore.training import bootstrap
from mlbcore.training.as_of import challenger_as_of, known_labelled
from mlbcore.training.gate import gate_failures
from mlbcore.training.labels import labelled_games
from mlbcore.training.metrics import primary_score
from mlbcore.training.target_model import TargetModel
from mlbcore.training.windows import coverage

CHECK_HOUR_UTC = 10  # the next-morning rule: yesterday's results are in
POLICIES = ("policy", "never", "daily")


@dataclass
class Champion:
    model: TargetModel
    trained_as_of: datetime
    metric_at_training: float
    training_dates: tuple[date, date]
    version: int


@dataclass
class Replay:
    season: int
    timeline: pl.DataFrame  # per policy, target and day: games, metrics, decision, promotion
    summary: pl.DataFrame  # per policy and target: season metric, market, retrains, promotions
    headline: pl.DataFrame  # per target and comparison: difference, 95 % interval, verdict
    seconds: dict[str, float] = field(default_factory=dict)
    # The feature cache's warnings and rejected rows, for the app to show beside the result.
    notices: tuple[str, ...] = ()
    cancelled: bool = False  # stopped by a cancel: the tables cover the days walked


def check_days(days: list[date], schedule: str) -> set[date]:
    if schedule == "daily":
        return set(days)
    if schedule == "weekly":
        return {d for d in days if d.weekday() == 0} | {days[0]}
    raise MlbError(f"--schedule must be daily or weekly, got {schedule!r}")


def parse_policy(base: RetrainingConfig, overrides: list[str]) -> RetrainingConfig:
    """``--policy key=value`` overrides of the retraining settings, validated by them."""
    from pydantic import ValidationError

    values: dict[str, Any] = base.model_dump()
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or key not in values:
            raise MlbError(
                f"--policy takes KEY=VALUE with KEY one of {', '.join(values)}; got {item!r}"
            )
        values[key] = value
    try:
        return RetrainingConfig.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        raise MlbError(f"--policy {first['loc'][0]}: {first['msg']}") from None


def _fit(
    target: Target, features: pl.DataFrame, games: pl.DataFrame, as_of: datetime,
    settings: Settings, version: int,
) -> tuple[Champion | None, str]:  # fmt: skip
    """A challenger trained as of ``as_of`` (the model refitted on its whole window, as
    `mlb train` ships it), or None with the reason it was not. The promotion gate stops
    challengers as it stops them in `mlb train`; the season's first model is taken as it
    is, so that every policy has a model from the first day to be compared on."""
    try:
        window, fitted = challenger_as_of(settings, target, features, games, as_of)
    except MlbError as error:
        return None, f"not trained: {error}"
    failures = gate_failures(target, fitted.gate, settings.promotion)
    if version > 1 and failures:
        return None, "promotion gate: " + "; ".join(failures)
    return (
        Champion(
            fitted.model, as_of, fitted.test_metric, (window.start_date, window.end_date), version
        ),
        "",
    )


@dataclass
class Pending:
    """A challenger fitted on a check day, waiting for ``comparison_days`` of games."""

    challenger: Champion
    judged_from: datetime  # the first check instant at which it is compared


def replay_target(
    target: Target,
    policy_name: str,
    policy: RetrainingConfig,
    features: pl.DataFrame,
    games: pl.DataFrame,
    season_days: list[date],
    checks: set[date],
    settings: Settings,
    first: tuple[Champion | None, str] | None = None,
    progress: Callable[[str], None] = lambda _: None,
    tracker: ReplayProgress | DayMarks | None = None,
    odds_lines: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One policy's season for one target: a row per day (``progress``: a line as each
    month begins; ``odds_lines``: so a change of the books pricing the games reaches the
    decision, as in `mlb retrain`).

    Under "policy", a challenger is not judged on the day it is fitted: it waits as a
    pending challenger (the champion keeps predicting) and is compared with the champion
    at the first check ``comparison_days`` later, on the games played in between, which
    neither model saw and which did not trigger it. It is then promoted or dropped; no
    other challenger is fitted while one is pending. Nothing uses a result before the
    morning it is known. ``tracker`` times each day, and a cancel stops the walk before
    the next day."""
    known_all = known_labelled(features, games, target, None)
    champion: Champion | None = first[0] if first else None
    pending: Pending | None = None
    rows = []
    versions = 1 if champion else 0
    last_trained = champion.trained_as_of if champion else None
    # A line a month: a replay takes minutes, and shows it moves.
    months = {d.replace(day=1): n for n, d in reversed(list(enumerate(season_days)))}
    first_days = {season_days[n]: month for month, n in months.items()}
    for day in season_days:
        if day in first_days:
            progress(
                f"{target}, policy {policy_name}: {first_days[day]:%Y-%m} "
                f"(day {months[first_days[day]] + 1} of {len(season_days)})"
            )
        if tracker is not None and tracker.cancelled:
            break
        started, fitted = time.perf_counter(), False
        as_of = datetime(day.year, day.month, day.day, CHECK_HOUR_UTC, tzinfo=UTC)
        action, reasons, promoted = "", [], False
        if first is not None and day == season_days[0]:
            action, reasons, promoted = (
                "train",
                [first[1] or "first champion"],
                champion is not None,
            )
        elif pending is not None and champion is not None and day in checks:
            if as_of >= pending.judged_from:
                known = known_all.filter(pl.col("result_known_at_utc") <= as_of)
                comparison = compare(
                    target, known, champion.model, champion.trained_as_of,
                    pending.challenger.model, pending.challenger.trained_as_of,
                )  # fmt: skip
                promoted, why = promotion(policy, comparison)
                action = "judge"
                reasons = [f"pending challenger v{pending.challenger.version}: {why}"]
                if promoted:
                    champion = pending.challenger
                pending = None
            else:
                action = "skip"
                reasons = [
                    f"challenger v{pending.challenger.version} pending, judged from "
                    f"{pending.judged_from:%Y-%m-%d}"
                ]
        elif day in checks and not (policy_name == "never" and champion is not None):
            decision = _decide(
                policy_name, policy, target, champion, known_all, features, as_of, last_trained,
                odds_lines,
            )  # fmt: skip
            action, reasons = decision.action, list(decision.reasons)
            if decision.trains:
                challenger, failure = _fit(target, features, games, as_of, settings, versions + 1)
                fitted = True
                if challenger is None:
                    reasons.append(failure)
                elif champion is None or policy_name == "daily":
                    promoted, champion = True, challenger
                    reasons.append("first champion" if versions == 0 else "daily: always replaces")
                else:
                    judged_from = as_of + timedelta(days=policy.comparison_days)
                    pending = Pending(challenger, judged_from)
                    reasons.append(
                        f"challenger v{challenger.version} pending until {judged_from:%Y-%m-%d}"
                    )
                if challenger is not None:
                    versions, last_trained = versions + 1, as_of
        todays = known_all.filter(pl.col("date") == day)
        predicted = champion is not None and todays.height > 0
        prediction = champion.model.predict(todays) if champion and predicted else np.array([])
        scored_by = champion.model.parts(todays).to_list() if champion and predicted else []
        rows.append(
            {
                "policy": policy_name,
                "target": target.value,
                "date": day,
                "games": todays.height,
                "champion_version": champion.version if champion else None,
                "action": action,
                "promoted": promoted,
                "reasons": "; ".join(reasons),
                "game_ids": todays["game_id"].to_list() if predicted else [],
                "predictions": prediction.tolist(),
                "scored_by": scored_by,
            }
        )
        if tracker is not None:
            tracker.day_done(time.perf_counter() - started, policy_name, fitted)
    return pl.DataFrame(rows, infer_schema_length=None)


def _decide(
    policy_name: str, policy: RetrainingConfig, target: Target, champion: Champion | None,
    known_all: pl.DataFrame, features: pl.DataFrame, as_of: datetime,
    last_trained: datetime | None, odds_lines: pl.DataFrame | None,
) -> Decision:  # fmt: skip
    if champion is None:
        return decide(policy, None)
    if policy_name == "daily":
        return Decision("retrain", ["daily: retrain every check day"])
    known = known_all.filter(pl.col("result_known_at_utc") <= as_of)
    check = champion_check(
        target, known, features, champion.model, champion.trained_as_of,
        champion.metric_at_training, champion.training_dates, as_of, policy, last_trained,
        odds_lines,
    )  # fmt: skip
    return decide(policy, check)


def _metric(target: Target, frame: pl.DataFrame, column: str) -> float | None:
    frame = frame.drop_nulls(column)
    if frame.is_empty():
        return None
    return primary_score(target, frame["label"].to_numpy(), frame[column].to_numpy())


def score_days(timeline: pl.DataFrame, labels: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Each timeline row with its day's model and market metric on the games it predicted."""
    metrics_model, metrics_market = [], []
    for row in timeline.iter_rows(named=True):
        target = Target(row["target"])
        day = pl.DataFrame(
            {"game_id": row["game_ids"], "prediction": row["predictions"]},
            schema={"game_id": pl.String, "prediction": pl.Float64},
        ).join(labels[row["target"]], on="game_id")
        metrics_model.append(_metric(target, day, "prediction"))
        metrics_market.append(
            _metric(target, day.drop_nulls("market_prediction"), "market_prediction")
        )
    return timeline.with_columns(
        pl.Series("model_metric", metrics_model, dtype=pl.Float64),
        pl.Series("market_metric", metrics_market, dtype=pl.Float64),
    )


SUMMARY_SCHEMA = {
    **dict.fromkeys(("policy", "target", "metric"), pl.String),
    **dict.fromkeys(("games", "scored_by_market", "market_games"), pl.Int64),
    **dict.fromkeys(("model", "model_on_priced", "market"), pl.Float64),
    **dict.fromkeys(("trainings", "promotions"), pl.Int64),
    "winner": pl.Boolean,
}


def summarise(timeline: pl.DataFrame, labels: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Per policy and target: the primary metric over every game all the policies
    predicted, the market's on the priced ones among them, and how often it retrained."""
    rows = []
    predicted = timeline.explode("game_ids", "predictions", "scored_by").drop_nulls("game_ids")
    for target_name, frame in labels.items():
        target = Target(target_name)
        mine = predicted.filter(pl.col("target") == target_name)
        common = mine.group_by("game_ids").agg(pl.col("policy").n_unique().alias("n"))
        common_ids = common.filter(pl.col("n") == mine["policy"].n_unique())["game_ids"]
        for policy_name in mine["policy"].unique(maintain_order=True):
            scored = mine.filter(
                (pl.col("policy") == policy_name) & pl.col("game_ids").is_in(common_ids.implode())
            ).join(frame, left_on="game_ids", right_on="game_id")
            days = timeline.filter(
                (pl.col("policy") == policy_name) & (pl.col("target") == target_name)
            )
            priced = scored.drop_nulls("market_prediction")
            rows.append(
                {
                    "policy": policy_name,
                    "target": target_name,
                    "metric": PRIMARY_METRIC[target],
                    "games": scored.height,
                    # the games the market part scored; the rest had no price at the cutoff
                    "scored_by_market": int((scored["scored_by"] == "market").sum()),
                    "model": _metric(target, scored, "predictions"),
                    "market_games": priced.height,
                    "model_on_priced": _metric(target, priced, "predictions"),
                    "market": _metric(target, priced, "market_prediction"),
                    "trainings": days.filter(
                        pl.col("action").is_in(["retrain", "train"])
                        & ~pl.col("reasons").str.contains("not trained")
                    ).height,
                    "promotions": int(days["promoted"].sum()),
                }
            )
    # The winner: the policy with the lowest metric (lower is better for both) per
    # target; whether the difference is more than noise is the headline's to say.
    if not rows:  # cancelled before any game was predicted
        return pl.DataFrame(schema=SUMMARY_SCHEMA)
    return pl.DataFrame(
        rows, schema={k: v for k, v in SUMMARY_SCHEMA.items() if k != "winner"}
    ).with_columns(
        pl.col("model", "model_on_priced", "market").round(4),
        winner=(pl.col("model") == pl.col("model").min().over("target")).fill_null(False)
        & (pl.col("model").count().over("target") > 1),
    )


HEADLINE_SCHEMA = {
    **dict.fromkeys(("target", "metric", "comparison"), pl.String),
    **dict.fromkeys(("games", "dates"), pl.Int64),
    **dict.fromkeys(("difference", "ci_low", "ci_high"), pl.Float64),
    **dict.fromkeys(("verdict", "text"), pl.String),
}


def _pairs(policies: list[str]) -> list[tuple[str, str]]:
    """The headline's comparisons: the policy against each baseline, then every policy
    against the market."""
    pairs = [("policy", other) for other in ("never", "daily") if "policy" in policies]
    pairs = [(a, b) for a, b in pairs if b in policies]
    return pairs + [(name, "market") for name in policies]


def headline(timeline: pl.DataFrame, labels: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Per target: policy minus never, policy minus daily, and each policy minus the
    market, on the same games (every game all the policies predicted; against the market,
    the priced ones among them), with the paired date-block bootstrap interval and the
    verdict word it gives. Lower is better for both metrics, so a negative difference
    favours the first named."""
    predicted = (
        timeline.explode("game_ids", "predictions")
        .drop_nulls("game_ids")
        .select("target", "policy", game_id="game_ids", prediction="predictions")
    )
    rows = []
    for target_name, frame in labels.items():
        mine = predicted.filter(pl.col("target") == target_name)
        policies = mine["policy"].unique(maintain_order=True).to_list()
        if not policies:
            continue
        wide = (
            mine.pivot(on="policy", index="game_id", values="prediction")
            .drop_nulls(policies)  # the same games for every policy
            .join(frame.rename({"market_prediction": "market"}), on="game_id")
        )
        metric = PRIMARY_METRIC[Target(target_name)]
        for a, b in _pairs(policies):
            both = wide.drop_nulls([a, b])
            if both.is_empty():
                continue
            interval = bootstrap.compare_frame(metric, both, a, b)
            rows.append(
                {
                    "target": target_name,
                    "metric": metric,
                    "comparison": f"{a} - {b}",
                    "games": interval.games,
                    "dates": interval.dates,
                    "difference": interval.estimate,
                    "ci_low": interval.low,
                    "ci_high": interval.high,
                    "verdict": interval.verdict,
                    "text": f"{a} minus {b}, {metric}: {interval.text()}",
                }
            )
    return pl.DataFrame(rows, schema=HEADLINE_SCHEMA)


@dataclass
class _Walk:
    """One (target, policy) walk: what its task carries besides the shared frames."""

    target: Target
    name: str
    policy: RetrainingConfig
    season_days: list[date]
    checks: set[date]
    settings: Settings
    first: tuple[Champion | None, str]
    progress: Callable[[str], None]
    tracker: ReplayProgress | DayMarks


LONGEST_FIRST = ("daily", "policy", "never")


def _first_task(
    task: tuple[Target, datetime, Settings], features: pl.DataFrame, games: pl.DataFrame
) -> tuple[tuple[Champion | None, str], float]:
    target, opening, settings = task
    tick = time.perf_counter()
    return _fit(target, features, games, opening, settings, 1), time.perf_counter() - tick


def _walk_task(
    walk: _Walk, features: pl.DataFrame, games: pl.DataFrame, odds_lines: pl.DataFrame
) -> tuple[pl.DataFrame, float, list[Day]]:
    """A walk's timeline, its seconds, and the days it walked that its tracker could not
    share (a Dask worker on another machine)."""
    if walk.tracker.cancelled:  # cancelled before it began: nothing of it
        return pl.DataFrame(), 0.0, []
    walk.progress(
        f"replaying {len(walk.season_days)} days of {walk.target} with policy {walk.name}"
    )
    if isinstance(walk.tracker, ReplayProgress):  # in this process: the page names the walk
        walk.tracker.step = f"{walk.target}, policy {walk.name}"
    tick = time.perf_counter()
    frame = replay_target(
        walk.target, walk.name, walk.policy, features, games, walk.season_days, walk.checks,
        walk.settings, walk.first, walk.progress, walk.tracker, odds_lines,
    )  # fmt: skip
    unshared = walk.tracker.unshared if isinstance(walk.tracker, DayMarks) else []
    return frame, time.perf_counter() - tick, unshared


def replay_season(
    settings: Settings,
    season: int,
    schedule: str = "daily",
    policy: RetrainingConfig | None = None,
    targets: list[Target] | None = None,
    data: Path | str | None = None,
    policies: tuple[str, ...] = POLICIES,
    progress: Callable[[str], None] = lambda _: None,
    tracker: ReplayProgress | None = None,
    jobs: int | None = None,
) -> Replay:
    """Walk ``season`` under each policy for each target, ``jobs`` tasks at a time
    (``mlbcore.parallel``; 1: in this process, one after another). ``tracker`` counts the
    days and carries the cancel flag, heard between days (in every process of this
    machine): a cancelled replay returns the days walked so far, with ``cancelled`` set."""
    tracker = tracker or ReplayProgress()
    seconds: dict[str, float] = {}
    tick = time.perf_counter()
    policy = policy or settings.retraining
    targets = targets or list(Target)
    snapshot = load_data(settings, data)
    games = snapshot.games
    season_days = sorted(games.filter(pl.col("season") == season)["date"].unique().to_list())
    if not season_days:
        raise MlbError(f"no games in season {season}; {coverage(games['date'])}")
    cache = CacheStats()
    features = features_for(snapshot, settings, cache)
    for line in cache.lines():
        progress(line)
    checks = check_days(season_days, schedule)
    labels = {
        t.value: labelled_games(features, games, t).select(
            "game_id", "date", "label", "market_prediction"
        )
        for t in targets
    }
    seconds["load"] = time.perf_counter() - tick
    # The first champion is the same for every policy: train it once per target.
    opening = datetime.combine(season_days[0], datetime.min.time(), UTC) + timedelta(
        hours=CHECK_HOUR_UTC
    )
    # Each target's first champion, then each (target, policy) walk, as parallel tasks:
    # processes (LightGBM is not safe to train from two threads at once: its docs, and
    # std::bad_alloc seen here), or in this process one after another with --jobs 1.
    # Each policy walks every target's season; the check days' share prices "daily"
    # before it has walked a day of its own.
    tracker.plan(policies, len(targets) * len(season_days), len(checks) / len(season_days))
    each = task_settings(settings, jobs)
    here = runs_here(jobs, settings, len(targets) * len(policies))
    with tempfile.TemporaryDirectory(prefix="mlb-replay-") as folder:
        marks = tracker if here else tracker.share(Path(folder), resolved_jobs(jobs, settings))
        firsts = run_tasks(
            _first_task, [(t, opening, each) for t in targets], (features, games), jobs, settings
        )
        seconds["first_champions"] = sum(took for _, took in firsts)
        walks = [
            _Walk(target, name, policy, season_days, checks, each, first, progress, marks)
            for target, (first, _) in zip(targets, firsts, strict=True)
            for name in policies
        ]
        order = list(range(len(walks)))
        if not here:  # the longest walks first, so no worker is left with one at the end
            order.sort(key=lambda n: LONGEST_FIRST.index(walks[n].name))
            tracker.step = f"{len(walks)} walks, {resolved_jobs(jobs, settings)} at a time"
        shared = (features, games, snapshot.odds_lines)
        done = run_tasks(_walk_task, [walks[n] for n in order], shared, jobs, settings)
        if not here:
            tracker.unshare()
    by_walk = dict(zip(order, done, strict=True))
    parts = []
    for n, walk in enumerate(walks):
        frame, took, unshared = by_walk[n]
        parts.append(frame)
        seconds[walk.name] = seconds.get(walk.name, 0.0) + took
        for day in unshared:
            tracker.day_done(*day)
    walked = [part for part in parts if part.height]
    if not walked:
        if tracker.cancelled:
            raise MlbError("replay cancelled before its first day was walked")
        raise MlbError(f"no days to replay in season {season}")
    timeline = score_days(pl.concat(walked, how="diagonal_relaxed"), labels)
    return Replay(
        season,
        timeline,
        summarise(timeline, labels),
        headline(timeline, labels),
        seconds,
        tuple(cache.lines()) if cache.troubled else (),
        tracker.cancelled,
    )
