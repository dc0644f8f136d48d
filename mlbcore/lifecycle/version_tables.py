"""Registered versions as people read them: a new version beside the champion, and a
target's version history. Each row: when its knowledge ended, its window, its primary
metric on its held-out test dates, and model minus market there with its 95 % interval
(from the training run's metrics, so old and new versions read the same way)."""

from datetime import datetime
from typing import Any

import polars as pl

from mlbcore import tracking
from mlbcore.data.source import data_games_source
from mlbcore.formatting import signed_significant, significant
from mlbcore.lifecycle.train_job import TrainingRun
from mlbcore.settings import Settings
from mlbcore.targets import PRIMARY_METRIC, Target
from mlbcore.tracking.champions import champion_of

COLUMNS = (
    "target", "role", "version", "status", "trained_as_of_utc", "window", "metric",
    "test_value", "model_minus_market", "verdict", "reason", "registered_utc", "run_id",
)  # fmt: skip


def _utc(instant: datetime) -> str:
    return f"{instant:%Y-%m-%d %H:%M}"


def vs_market_words(metrics: dict[str, float], metric: str) -> tuple[str, str]:
    """Model minus market on the priced test games, and its verdict, in words."""
    prefix = f"test_vs_market_{metric}_diff"
    if prefix not in metrics:
        return "not compared: the market priced no test game", ""
    diff, low, high = (metrics[prefix + s] for s in ("", "_ci_low", "_ci_high"))
    games = int(metrics.get(f"test_vs_market_{metric}_games", 0))
    verdict = "beats the market" if high < 0 else "worse than the market" if low > 0 else ""
    return (
        f"{signed_significant(diff)} (95 % CI {signed_significant(low)} to "
        f"{signed_significant(high)}; {games} games)",
        verdict or "no clear difference",
    )


def _row(champion: tracking.Champion, run: Any, **words: Any) -> dict[str, Any]:
    metric = PRIMARY_METRIC[champion.target]
    days = (champion.window_end_date - champion.window_start_date).days + 1
    vs_market, verdict = vs_market_words(dict(run.data.metrics), metric)
    return {
        "target": champion.target.value,
        "version": champion.version,
        "trained_as_of_utc": _utc(champion.trained_as_of_utc),
        "window": f"{champion.window_start_date} to {champion.window_end_date} ({days} days)",
        "metric": metric,
        "test_value": significant(champion.metric_at_training),
        "model_minus_market": vs_market,
        "verdict": verdict,
        "run_id": champion.run_id,
        **words,
    }


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(
        [{c: row.get(c) for c in COLUMNS} for row in rows],
        schema=dict.fromkeys(COLUMNS, pl.String) | {"version": pl.Int64},
    )


def new_beside_champion(settings: Settings, run: TrainingRun) -> pl.DataFrame:
    """For each target of ``run``: its new version, then the champion now in place (or a
    row saying there is none). Each measured on its own held-out test dates."""
    from mlflow import MlflowClient

    tracking.configure(settings)
    source = data_games_source(settings)
    client = MlflowClient()
    rows = []
    for trained in run.trained:
        target = trained.result.target
        new_run = client.get_run(trained.run_id)
        new = champion_of(target, source, new_run, trained.version)
        status = "promoted" if trained.promoted else "new: not promoted"
        rows.append(_row(new, new_run, role="new", status=status))
        champion = tracking.champion(target, source)
        if champion is None:
            rows.append({"target": target.value, "role": "champion", "status": "none yet"})
        elif champion.version != trained.version:
            rows.append(
                _row(champion, client.get_run(champion.run_id), role="champion", status="champion")
            )
    return _frame(rows)


def history_table(settings: Settings, target: Target) -> pl.DataFrame:
    """Every registered version of ``target`` for the data's games, newest first, with
    its status (champion, previous champion, replaced, rolled back, rejected, unusable,
    new) and the reason tagged."""
    from mlflow import MlflowClient

    tracking.configure(settings)
    client = MlflowClient()
    rows = [
        _row(
            record.champion,
            client.get_run(record.champion.run_id),
            role="",
            status=record.status,
            reason=record.reason,
            registered_utc=_utc(record.created_utc),
        )
        for record in tracking.version_history(target, data_games_source(settings))
    ]
    return _frame(rows)
