"""`mlb bench quality`: how good the models are on real games, beside the market.

Imports Retrosheet 2010-2016, SBR 2014-2016 and Pinnacle 2016 from the shared data
folder into a temporary snapshot, walks forward through the 2016 season month by month,
and scores each model's out-of-sample predictions beside Pinnacle's no-vig price at the
cutoff, SBR's consensus opening price and the training base rate, on the same games.

Each variant is walked twice: as `mlb train` ships it (the last ``training_window_days``
game dates, refitted on the whole window) and, as a yardstick, trained on every earlier
game. The primary metric's differences (model minus each baseline) carry paired
date-block bootstrap intervals, and the words "better", "worse" or "no clear difference"
come from those intervals only.
"""

import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from mlbcore.data.snapshot import load_snapshot
from mlbcore.evaluation.walk_forward import (
    Variant,
    WalkForward,
    month_starts,
    walk_forward_all_history,
    walk_forward_shipped,
)
from mlbcore.features.build import build_features
from mlbcore.features.market import market_features
from mlbcore.features.registry import FEATURE_NAMES, MARKET_FREE_FEATURES
from mlbcore.features.timing import cutoff_utc
from mlbcore.importers.jobs import import_pinnacle, import_retrosheet, import_sbr
from mlbcore.importers.report import RETROSHEET_NOTICE
from mlbcore.settings import Settings, load_settings
from mlbcore.targets import Target
from mlbcore.training.bootstrap import BETTER, WORSE, Interval, compare_frame
from mlbcore.training.labels import labelled_games
from mlbcore.training.metrics import PRIMARY_METRIC, score

SEASON = 2016
FIRST_SEASON = 2010
VARIANTS = (
    Variant(Target.MONEYLINE_HOME_WIN, FEATURE_NAMES, "moneyline, with market features"),
    Variant(
        Target.MONEYLINE_HOME_WIN,
        MARKET_FREE_FEATURES,
        "moneyline, team and pitcher only",
        uses_market=False,
    ),
    Variant(Target.TOTAL_OVER_UNDER, FEATURE_NAMES, "over/under"),
    Variant(Target.RUN_TOTAL_REGRESSION, FEATURE_NAMES, "run total"),
)
SHIPPED, ALL_HISTORY = "shipped", "all history"

# Per target: each baseline's prediction column, and the metrics shown as point values.
BASELINE_COLUMNS: dict[Target, dict[str, str]] = {
    Target.MONEYLINE_HOME_WIN: {
        "pinnacle_cutoff": "pinnacle_home_prob",
        "sbr_open": "sbr_home_prob",
        "base_rate": "base_rate",
    },
    Target.TOTAL_OVER_UNDER: {
        "pinnacle_cutoff": "pinnacle_over_prob",
        "sbr_open": "sbr_over_prob",
        "base_rate": "base_rate",
    },
    Target.RUN_TOTAL_REGRESSION: {
        "pinnacle_cutoff": "pinnacle_total",
        "sbr_open": "sbr_total",
        "base_rate": "base_rate",
    },
}
POINT_METRICS: dict[Target, tuple[str, ...]] = {
    Target.MONEYLINE_HOME_WIN: ("log_loss", "brier", "accuracy"),
    Target.TOTAL_OVER_UNDER: ("log_loss", "brier", "accuracy"),
    Target.RUN_TOTAL_REGRESSION: ("rmse", "mae"),
}
BASELINE_WORDS = {
    "pinnacle_cutoff": "the market",
    "sbr_open": "SBR's opening price",
    "base_rate": "the base rate",
}
# Compared with, not shown as a point-value column: the all-history model's predictions.
ALL_HISTORY_COLUMN = "all_history_prediction"
REFERENCE_WORDS = {**BASELINE_WORDS, "all_history": "the all-history model"}


def build_real_snapshot(shared: Path, out: Path) -> None:
    retro, sbr, pinnacle = shared / "retrosheet", shared / "sbr", shared / "pinnacle"
    import_retrosheet([retro / f"GL{year}.TXT" for year in range(FIRST_SEASON, SEASON + 1)], out)
    import_sbr(out, [sbr / f"mlb odds {year}.xlsx" for year in range(2014, SEASON + 1)])
    import_pinnacle(out, pinnacle / "mlb2016_games.csv", pinnacle / "mlb2016_lines.csv.gz")


def book_baselines(
    games: pl.DataFrame,
    odds_lines: pl.DataFrame,
    cutoff_minutes: int,
    books: tuple[str, ...] = ("pinnacle", "sbr"),
) -> pl.DataFrame:
    """Each book's own prices at the cutoff (for SBR, its opening line): ``game_id`` and
    ``{book}_home_prob``, ``{book}_over_prob`` (no-vig) and ``{book}_total`` (runs)."""
    with_cutoff = games.with_columns(cutoff_utc(cutoff_minutes))
    frames = []
    for book in books:
        prices = market_features(with_cutoff, odds_lines.filter(pl.col("book") == book), book)
        frames.append(
            prices.select(
                "game_id",
                pl.col("market_no_vig_home_prob").alias(f"{book}_home_prob"),
                pl.col("market_no_vig_over_prob").alias(f"{book}_over_prob"),
                pl.col("market_total").alias(f"{book}_total"),
            )
        )
    joined = frames[0]
    for frame in frames[1:]:
        joined = joined.join(frame, on="game_id", how="full", coalesce=True)
    return joined


def verdict_words(interval: Interval, baseline: str) -> str:
    """ "better than the market", "worse than ..." or "no clear difference from ...",
    from the interval alone."""
    name = REFERENCE_WORDS[baseline]
    if interval.verdict == BETTER:
        return f"better than {name}"
    if interval.verdict == WORSE:
        return f"worse than {name}"
    return f"no clear difference from {name}"


def same_games(target: Target, predictions: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """The games every baseline priced, and the baselines that priced any of them: a book
    with no price for this market in the season (an empty column) is left out rather than
    emptying the comparison."""
    baselines = {
        name: column
        for name, column in BASELINE_COLUMNS[target].items()
        if predictions[column].is_not_null().any()
    }
    return predictions.drop_nulls(list(baselines.values())), baselines


def scored_rows(
    variant: Variant,
    training: str,
    walked: WalkForward,
    baselines: pl.DataFrame,
    all_history: WalkForward | None = None,
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Point values of every metric (one row per metric) and, for the primary metric, the
    model minus each baseline with its date-block interval (one row per baseline), all on
    the same games. Given ``all_history``, the model is also compared with that walk's
    predictions of the same games (shipped window against every earlier game)."""
    target = variant.target
    predictions = walked.predictions.join(baselines, on="game_id", how="left")
    same, columns = same_games(target, predictions)
    compared_with = dict(columns)
    if all_history is not None:
        reference = all_history.predictions.select(
            "game_id", pl.col("prediction").alias(ALL_HISTORY_COLUMN)
        )
        same = same.join(reference, on="game_id", how="inner")
        compared_with["all_history"] = ALL_HISTORY_COLUMN
    columns = {"model": "prediction", **columns}
    scored = {
        name: score(target, same["label"].to_numpy(), same[column].to_numpy())
        for name, column in columns.items()
    }
    gated = walked.months["gate_failures"].is_not_null().all()
    gate = f"{walked.gate_failed_months}/{walked.months.height}" if gated else "n/a"
    rounds = float(np.median(walked.months["rounds"].to_numpy()))
    points = [
        {
            "variant": variant.label,
            "training": training,
            "games": same.height,
            "metric": metric,
            # A baseline with no prices for this market stays an empty cell.
            **{
                name: scored[name][metric] if name in scored else None
                for name in ("model", *BASELINE_WORDS)
            },
            "median_rounds": rounds,
            "gate_failed": gate,
        }
        for metric in POINT_METRICS[target]
    ]
    metric = PRIMARY_METRIC[target]
    comparisons = []
    for baseline, column in compared_with.items():
        interval = compare_frame(metric, same, "prediction", column)
        comparisons.append(
            {
                "variant": variant.label,
                "training": training,
                "baseline": baseline,
                "metric": metric,
                "games": interval.games,
                "dates": interval.dates,
                "difference": interval.estimate,
                "low": interval.low,
                "high": interval.high,
                "verdict": interval.verdict,
                "words": verdict_words(interval, baseline),
            }
        )
    return points, comparisons


@dataclass
class QualityBench:
    """``table``: point values per variant, training and metric. ``comparisons``: the
    primary metric, model minus each baseline, with its 95 % interval and verdict words.
    ``months``: each monthly model's training window (``WalkForward.months``) per variant
    and training. ``seconds``: wall time per step."""

    table: pl.DataFrame
    comparisons: pl.DataFrame
    months: pl.DataFrame
    seconds: dict[str, float]


def walk_variants(
    features: pl.DataFrame,
    games: pl.DataFrame,
    baselines: pl.DataFrame,
    months: list[date],
    settings: Settings,
    variants: tuple[Variant, ...] = VARIANTS,
    all_history: bool = True,
) -> QualityBench:
    """Walk every variant forward through ``months`` as shipped (and on all history when
    ``all_history``), and score both beside the baselines."""
    points, comparisons, windows = [], [], []
    seconds: dict[str, float] = {}
    for variant in variants:
        tick = time.perf_counter()
        walks = {SHIPPED: walk_forward_shipped(features, games, variant, months, settings)}
        seconds[f"{variant.label} ({SHIPPED})"] = time.perf_counter() - tick
        if all_history:
            tick = time.perf_counter()
            labelled = labelled_games(features, games, variant.target)
            walks[ALL_HISTORY] = walk_forward_all_history(labelled, variant, months, settings)
            seconds[f"{variant.label} ({ALL_HISTORY})"] = time.perf_counter() - tick
        for training, walked in walks.items():
            reference = walks.get(ALL_HISTORY) if training == SHIPPED else None
            rows, compared = scored_rows(variant, training, walked, baselines, reference)
            points += rows
            comparisons += compared
            windows.append(
                walked.months.with_columns(variant=pl.lit(variant.label), training=pl.lit(training))
            )
    return QualityBench(
        pl.DataFrame(points),
        pl.DataFrame(comparisons),
        pl.concat(windows, how="diagonal_relaxed"),
        seconds,
    )


def quality_table(shared: Path) -> QualityBench:
    settings = load_settings()
    tick = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mlb-quality-") as folder:
        out = Path(folder) / "snapshot"
        build_real_snapshot(shared, out)
        snapshot = load_snapshot(out)
    import_seconds = time.perf_counter() - tick
    tick = time.perf_counter()
    features = build_features(snapshot, settings.ml_cutoff_minutes)
    baselines = book_baselines(snapshot.games, snapshot.odds_lines, settings.ml_cutoff_minutes)
    feature_seconds = time.perf_counter() - tick
    bench = walk_variants(features, snapshot.games, baselines, month_starts(SEASON), settings)
    bench.seconds = {"import": import_seconds, "features": feature_seconds, **bench.seconds}
    return bench


def _comparison_lines(bench: QualityBench) -> list[str]:
    lines = []
    keys = bench.comparisons.select("variant", "training").unique(maintain_order=True)
    for variant, training in keys.iter_rows():
        rows = bench.comparisons.filter(
            (pl.col("variant") == variant) & (pl.col("training") == training)
        )
        first = rows.row(0, named=True)
        metric = first["metric"].replace("_", " ")
        lines.append(
            f"{variant}, {training}: {metric}, model minus baseline on {first['games']:,} "
            f"games ({first['dates']} dates), 95 % date-block bootstrap interval"
        )
        for row in rows.iter_rows(named=True):
            lines.append(
                f"    vs {row['baseline']:<16}{row['difference']:+.4f} "
                f"[{row['low']:+.4f}, {row['high']:+.4f}]  {row['words']}"
            )
    return lines


def _window_lines(bench: QualityBench) -> str:
    """The shipped models' training windows, month by month (the same dates for every
    variant; the game counts differ a little with each target's labels)."""
    first = bench.months.filter(
        (pl.col("training") == SHIPPED) & (pl.col("variant") == pl.first("variant"))
    )
    windows = ", ".join(
        f"{row['month']:%b} {row['window_start']}..{row['window_end']} ({row['n_train']:,} games)"
        for row in first.iter_rows(named=True)
    )
    return f"shipped training windows: {windows}"


def bench_quality(shared: Path) -> None:
    started = time.perf_counter()
    settings = load_settings()
    bench = quality_table(shared)
    months = ", ".join(m.strftime("%b") for m in month_starts(SEASON))
    days = settings.training.training_window_days
    print(
        f"walk-forward through {SEASON} (Retrosheet {FIRST_SEASON}-, SBR 2014-, Pinnacle "
        f"{SEASON}): on the 1st of {months} at 10:00 UTC, train and predict that month.\n"
        f"  {SHIPPED}: what `mlb train --as-of` ships: the last {days} game dates known "
        f"then, last {settings.training.test_size:.0%} held out for the estimate, then "
        "refitted on the whole window with the CV-chosen rounds (gate not applied; "
        "gate_failed counts the months it would have rejected)\n"
        f"  {ALL_HISTORY}: every earlier game since {FIRST_SEASON} (not what is shipped)"
    )
    with pl.Config(tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True,
                   float_precision=4, tbl_rows=40, tbl_width_chars=200,
                   tbl_cols=20, fmt_str_lengths=40):  # fmt: skip
        print(bench.table)
    print(_window_lines(bench))
    print("\n".join(_comparison_lines(bench)))
    rejected = bench.months.filter(pl.col("gate_failures").str.len_chars() > 0)
    for row in rejected.iter_rows(named=True):
        print(f"gate would reject {row['variant']} {row['month']}: {row['gate_failures']}")
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in bench.seconds.items()))
    print(f"total {time.perf_counter() - started:.1f} s (goal < 120 s)")
    print(RETROSHEET_NOTICE)
