"""Training results as tables and plain data, for the CLI, its JSON and the notebooks."""

from typing import Any

import polars as pl

from mlbcore.lifecycle.train_job import TrainedTarget, TrainingRun
from mlbcore.training.baselines import BASELINE_WORDS
from mlbcore.training.market_line import market_line
from mlbcore.training.metrics import metric_names
from mlbcore.training.target_model import rounds_text
from mlbcore.training.trainer import FITTED_BASELINES


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
    # The fitted baselines, each on the test games it predicted.
    columns |= {name: f"baseline_{name}_" for name in FITTED_BASELINES[result.target]}
    return pl.DataFrame(
        {"metric": list(names)}
        | {column: [m.get(f"{prefix}{n}") for n in names] for column, prefix in columns.items()},
        schema_overrides=dict.fromkeys(columns, pl.Float64),
    ).with_columns(pl.selectors.float().round(4))


def comparison_lines(trained: TrainedTarget) -> list[str]:
    """The model against each baseline on the test dates, with the interval and the
    verdict it supports, then whether the model was promoted and why not."""
    result = trained.result
    names = BASELINE_WORDS
    lines = [f"{result.target} {market_line(result.comparisons.get('market'))}"]
    lines += [
        f"vs {names[name]}: {interval.metric} {interval.text()}"
        for name, interval in result.comparisons.items()
    ]
    lines.append(parts_line(trained))
    lines += result.notes
    if trained.rejected_reasons:
        lines.append("NOT promoted: " + "; ".join(trained.rejected_reasons))
    elif trained.promoted:
        lines.append(f"promoted: version {trained.version} is the champion")
    else:
        lines.append(f"not promoted (promotion off): version {trained.version} is registered")
    return lines


def market_lines(run: TrainingRun) -> list[str]:
    """The product line of each target: the model against the market on the held-out
    games the market priced."""
    return [
        f"{t.result.target}: {market_line(t.result.comparisons.get('market'))}" for t in run.trained
    ]


def parts_line(trained: TrainedTarget) -> str:
    """How many test games each part scored, and each part's rounds."""
    result = trained.result
    scored = result.test_predictions["scored_by"].value_counts()
    counts = dict(zip(scored["scored_by"], scored["count"], strict=True))
    market = result.held_out_model.market_words
    return (
        f"test games scored by the market part ({market}): {counts.get('market', 0)}; "
        f"by the market-free part ({rounds_text(result.market_free_rounds)}): "
        f"{counts.get('market_free', 0)}"
    )


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
                "market_rounds": t.result.market_rounds,
                "market_free_rounds": t.result.market_free_rounds,
                "vs_market": market_line(t.result.comparisons.get("market")),
                "notes": t.result.notes,
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
                "top_features": {
                    part: rows.head(10)["feature"].to_list()
                    for (part,), rows in t.result.importance.group_by("part", maintain_order=True)
                },
            }
            for t in run.trained
        ],
    }
