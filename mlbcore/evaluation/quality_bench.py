"""`mlb bench quality`: how good the models are on real games, beside the market.

Imports Retrosheet 2010-2016, SBR 2014-2016 and Pinnacle 2016 from the shared data
folder into a temporary snapshot, walks forward through the 2016 season month by month,
and prints each model's out-of-sample scores beside Pinnacle's no-vig price at the
cutoff, SBR's consensus opening price and the training base rate, on the same games.
"""

import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from mlbcore.data.snapshot import load_snapshot
from mlbcore.evaluation.walk_forward import (
    MARKET_FREE_FEATURES,
    Variant,
    month_starts,
    walk_forward,
)
from mlbcore.features.build import build_features
from mlbcore.features.market import market_features
from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.features.timing import cutoff_utc
from mlbcore.importers.jobs import import_pinnacle, import_retrosheet, import_sbr
from mlbcore.importers.report import RETROSHEET_NOTICE
from mlbcore.settings import load_settings
from mlbcore.targets import Target
from mlbcore.training.labels import labelled_games
from mlbcore.training.metrics import score

SEASON = 2016
VARIANTS = (
    Variant(Target.MONEYLINE_HOME_WIN, FEATURE_NAMES, "moneyline, with market features"),
    Variant(Target.MONEYLINE_HOME_WIN, MARKET_FREE_FEATURES, "moneyline, team and pitcher only"),
    Variant(Target.TOTAL_OVER_UNDER, FEATURE_NAMES, "over/under"),
    Variant(Target.RUN_TOTAL_REGRESSION, FEATURE_NAMES, "run total"),
)


def build_real_snapshot(shared: Path, out: Path) -> None:
    retro, sbr, pinnacle = shared / "retrosheet", shared / "sbr", shared / "pinnacle"
    import_retrosheet([retro / f"GL{year}.TXT" for year in range(2010, SEASON + 1)], out)
    import_sbr(out, [sbr / f"mlb odds {year}.xlsx" for year in range(2014, SEASON + 1)])
    import_pinnacle(out, pinnacle / "mlb2016_games.csv", pinnacle / "mlb2016_lines.csv.gz")


def book_baselines(
    games: pl.DataFrame, odds_lines: pl.DataFrame, cutoff_minutes: int
) -> pl.DataFrame:
    """Each book's own prices at the cutoff (for SBR, its opening line)."""
    with_cutoff = games.with_columns(cutoff_utc(cutoff_minutes))
    frames = []
    for book in ("pinnacle", "sbr"):
        prices = market_features(with_cutoff, odds_lines.filter(pl.col("book") == book), book)
        frames.append(
            prices.select(
                "game_id",
                pl.col("market_no_vig_home_prob").alias(f"{book}_home_prob"),
                pl.col("market_no_vig_over_prob").alias(f"{book}_over_prob"),
                pl.col("market_total").alias(f"{book}_total"),
            )
        )
    return frames[0].join(frames[1], on="game_id", how="full", coalesce=True)


def _scores(target: Target, frame: pl.DataFrame, column: str) -> dict[str, float]:
    return score(target, frame["label"].to_numpy(), frame[column].to_numpy())


def quality_table(shared: Path) -> tuple[pl.DataFrame, dict[str, float]]:
    settings = load_settings()
    seconds: dict[str, float] = {}
    tick = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mlb-quality-") as folder:
        out = Path(folder) / "snapshot"
        build_real_snapshot(shared, out)
        snapshot = load_snapshot(out)
    seconds["import"] = time.perf_counter() - tick
    tick = time.perf_counter()
    features = build_features(snapshot, settings.ml_cutoff_minutes)
    baselines = book_baselines(snapshot.games, snapshot.odds_lines, settings.ml_cutoff_minutes)
    seconds["features"] = time.perf_counter() - tick
    months = month_starts(SEASON)

    rows = []
    for variant in VARIANTS:
        tick = time.perf_counter()
        labelled = labelled_games(features, snapshot.games, variant.target)
        predictions = walk_forward(labelled, variant, months, settings).join(
            baselines, on="game_id", how="left"
        )
        seconds[variant.label] = time.perf_counter() - tick
        target = variant.target
        if target is Target.MONEYLINE_HOME_WIN:
            # Every column scored on the same games: those Pinnacle and SBR both priced.
            same = predictions.drop_nulls(["pinnacle_home_prob", "sbr_home_prob"])
            columns = {"model": "prediction", "pinnacle_cutoff": "pinnacle_home_prob",
                       "sbr_open": "sbr_home_prob", "base_rate": "base_rate"}  # fmt: skip
            metrics = ("log_loss", "brier", "accuracy")
        elif target is Target.TOTAL_OVER_UNDER:
            same = predictions.drop_nulls(["pinnacle_over_prob"])
            columns = {"model": "prediction", "pinnacle_cutoff": "pinnacle_over_prob",
                       "base_rate": "base_rate"}  # fmt: skip
            metrics = ("log_loss", "brier", "accuracy")
        else:
            same = predictions.drop_nulls(["pinnacle_total"])
            columns = {"model": "prediction", "pinnacle_cutoff": "pinnacle_total",
                       "base_rate": "base_rate"}  # fmt: skip
            metrics = ("rmse", "mae")
        scored = {name: _scores(target, same, column) for name, column in columns.items()}
        for metric in metrics:
            rows.append(
                {
                    "variant": variant.label,
                    "games": same.height,
                    "metric": metric,
                    **{name: scored[name][metric] for name in columns},
                    "median_rounds": float(np.median(predictions["rounds"].unique().to_numpy())),
                }
            )
    return pl.DataFrame(rows), seconds


def bench_quality(shared: Path) -> None:
    started = time.perf_counter()
    table, seconds = quality_table(shared)
    months = ", ".join(m.strftime("%b") for m in month_starts(SEASON))
    print(
        f"walk-forward through {SEASON}: retrain on the 1st of {months} on every earlier game "
        "(Retrosheet 2010-, SBR 2014-, Pinnacle 2016) and predict that month"
    )
    with pl.Config(tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True,
                   float_precision=4, tbl_rows=30, tbl_width_chars=160):  # fmt: skip
        print(table)
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in seconds.items()))
    print(f"total {time.perf_counter() - started:.1f} s (goal < 120 s)")
    print(RETROSHEET_NOTICE)
