"""How the CLI shows progress and results."""

import json
import sys
import time
from typing import TYPE_CHECKING

from mlbcore.cli.tables import metric_text, print_table
from mlbcore.lifecycle.train_job import Progress, TrainingRun
from mlbcore.lifecycle.train_summary import comparison_lines, metrics_table, summary
from mlbcore.masking import masked
from mlbcore.training.target_model import rounds_text

if TYPE_CHECKING:
    from mlbcore.evaluation.evaluate import ScoredPart
    from mlbcore.lifecycle.retrain import RetrainOutcome


def progress_printer() -> Progress:
    """Progress lines on stderr with the elapsed time, so stdout stays clean for --json."""
    started = time.perf_counter()

    def show(step: str) -> None:
        line = f"[{time.perf_counter() - started:6.1f}s] {masked(step)}"
        print(line, file=sys.stderr, flush=True)

    return show


def print_training_run(run: TrainingRun, as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary(run), indent=2))
        return
    version = run.data_version[:12]
    print(f"data {run.data_source} (version {version}), features {run.feature_set_version}")
    for trained in run.trained:
        result = trained.result
        print(
            f"\n{result.target}  window {result.window.start_date}..{result.window.end_date}"
            f"  train {result.n_train} / test {result.n_test} games"
            f"  market part: {result.model.market_words}; market-free part: "
            f"{rounds_text(result.market_free_rounds)}  MLflow run {trained.run_id}"
        )
        print(
            "  test = the held-out last dates of the window (the estimate); the registered"
            " model is then refitted on the whole window; train is in-sample"
        )
        print_table(metrics_table(trained))
        for line in comparison_lines(trained):
            print(f"  {line}")
    for notice in run.notices:
        print(f"\n{notice}")


def print_retrain_outcomes(outcomes: "list[RetrainOutcome]") -> None:
    for outcome in outcomes:
        version = outcome.champion_version
        before = f"champion v{version}" if version else "no champion"
        after = (
            f"v{outcome.challenger_version} promoted"
            if outcome.promoted
            else (
                f"challenger v{outcome.challenger_version} rejected"
                if outcome.challenger_version
                else "champion kept"
            )
        )
        print(f"{outcome.target}: {outcome.decision.action} ({before}) -> {after}")
        for reason in outcome.reasons:
            print(f"  - {reason}")


def print_baselines(part: "ScoredPart") -> None:
    """Model minus each baseline on the games both predicted, with interval and verdict."""
    from mlbcore.training.baselines import BASELINE_WORDS

    for name, interval in part.vs_baselines.items():
        print(f"    vs {BASELINE_WORDS[name]}: {interval.metric} {interval.text()}")


def print_metrics(metrics: "dict[str, float]") -> None:
    """Model on every game, then model and market side by side on the priced games."""
    for name, value in metrics.items():
        if not name.startswith(("model_priced_", "market_")):
            print(f"  {name:<28} {metric_text(name, value)}")
    for name, value in metrics.items():
        if name.startswith("model_priced_"):
            metric = name.removeprefix("model_priced_")
            market = metrics[f"market_{metric}"]
            print(f"  {metric:<14} priced games: model {value:.4f}  market {market:.4f}")
