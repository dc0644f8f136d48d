"""Training results as tables and plain data, for the CLI, its JSON and the notebooks."""

from typing import Any

import polars as pl

from mlbcore.training.metrics import metric_names
from mlbcore.training.pipeline import TrainedTarget, TrainingRun


def metrics_table(trained: TrainedTarget) -> pl.DataFrame:
    """One row per metric: train, CV mean and std, test, and the baselines on the test
    rows, rounded to 4 decimals for reading (the JSON and MLflow keep full precision)."""
    result = trained.result
    m = result.metrics
    names = metric_names(result.target)
    columns = {
        "train": "train_",  # in-sample: what the model was fitted on, never a result
        "cv_mean": "cv_mean_",
        "cv_std": "cv_std_",
        "test": "test_",
        "base_rate": "baseline_base_rate_",
    }
    # Model and market side by side on the same games: the test games the market priced.
    if "test_market_games_log_loss" in m or "test_market_games_rmse" in m:
        columns["test_priced"] = "test_market_games_"
    columns["market"] = "baseline_market_"
    return pl.DataFrame(
        {"metric": list(names)}
        | {column: [m.get(f"{prefix}{n}") for n in names] for column, prefix in columns.items()},
        schema_overrides=dict.fromkeys(columns, pl.Float64),
    ).with_columns(pl.selectors.float().round(4))


def comparison_lines(trained: TrainedTarget) -> list[str]:
    """The model against each baseline on the test dates, with the interval and the
    verdict it supports, then whether the model was promoted and why not."""
    result = trained.result
    names = {"market": "the market", "base_rate": "the base rate"}
    lines = [
        f"vs {names[name]}: {interval.metric} {interval.text()}"
        for name, interval in result.comparisons.items()
    ]
    if trained.rejected_reasons:
        lines.append("NOT promoted: " + "; ".join(trained.rejected_reasons))
    elif trained.promoted:
        lines.append(f"promoted: version {trained.version} is the champion")
    return lines


def summary(run: TrainingRun) -> dict[str, Any]:
    """Everything `mlb train --json` prints."""
    return {
        "data_source": run.data_source,
        "data_version": run.data_version,
        "feature_set_version": run.feature_set_version,
        "seconds": {k: round(v, 3) for k, v in run.seconds.items()},
        "notices": list(run.notices),
        "targets": [
            {
                "target": t.result.target.value,
                "mlflow_run_id": t.run_id,
                "window": {
                    "start_date": t.result.window.start_date.isoformat(),
                    "end_date": t.result.window.end_date.isoformat(),
                    "days": t.result.window.days,
                },
                "n_train": t.result.n_train,
                "n_test": t.result.n_test,
                "num_boost_round": t.result.num_boost_round,
                "metrics": t.result.metrics,
                "comparisons": {
                    name: {
                        "metric": i.metric,
                        "difference": i.estimate,
                        "ci_low": i.low,
                        "ci_high": i.high,
                        "games": i.games,
                        "verdict": i.verdict,
                    }
                    for name, i in t.result.comparisons.items()
                },
                "promoted": t.promoted,
                "rejected_reasons": t.rejected_reasons,
                "quality": t.result.quality,
                "top_features": t.result.importance.head(10)["feature"].to_list(),
            }
            for t in run.trained
        ],
    }
