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
    return pl.DataFrame(
        {
            "metric": list(names),
            "train": [m.get(f"train_{n}") for n in names],
            "cv_mean": [m.get(f"cv_mean_{n}") for n in names],
            "cv_std": [m.get(f"cv_std_{n}") for n in names],
            "test": [m.get(f"test_{n}") for n in names],
            "market": [m.get(f"baseline_market_{n}") for n in names],
            "base_rate": [m.get(f"baseline_base_rate_{n}") for n in names],
        },
        schema_overrides={
            c: pl.Float64 for c in ("train", "cv_mean", "cv_std", "test", "market", "base_rate")
        },
    ).with_columns(pl.selectors.float().round(4))


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
                "quality": t.result.quality,
                "top_features": t.result.importance.head(10)["feature"].to_list(),
            }
            for t in run.trained
        ],
    }
