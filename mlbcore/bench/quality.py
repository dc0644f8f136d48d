"""`mlb bench quality`: how good the models are on real games, season by season, beside
the market and the baselines a model must beat.

Imports Retrosheet 2010-2016 (games and lineups), retrosplits (team game lines 2010-2016,
player season splits 2009-2016), SBR 2014-2016 and Pinnacle 2016 from the shared data
folder into a temporary snapshot, then walks forward month by month through 2014, 2015
and 2016. On the 1st of each month (10:00 UTC) every target is trained exactly as
`mlb train --as-of` ships it (the last ``training_window_days`` game dates, rounds chosen
by time-series CV inside that window, refitted on the whole window), the baselines are
fitted on the same training games, and the month's games are predicted. Nothing of a
scored month reaches its model or its baselines.

The market is each game's price at the cutoff: Pinnacle's where it priced the game, else
SBR's opening line (the only SBR price known by then). SBR's closing line, known only at
first pitch, is scored beside as the sharpest yardstick, never used as an input.

Per season and pooled, on the same games: the model, the market, the recalibrated market,
the regularised linear model, the base rate and SBR's close; the model minus each with
its paired date-block 95 % interval, and the words "better" / "worse" / "no clear
difference" from the interval only. The market-free part of each model (what scores a
game the market did not price) is scored on every game too.

Over ~300 lines on purpose: the walk, its baselines and its report are one benchmark.
"""

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import polars as pl

from mlbcore.cli.tables import print_table
from mlbcore.data.snapshot import load_snapshot
from mlbcore.data.timing import cutoff_utc
from mlbcore.errors import MlbError
from mlbcore.evaluation.walk_forward import (
    SCORED_SEASONS,
    month_as_of,
    month_slices,
    month_starts,
)
from mlbcore.features.build import build_features
from mlbcore.features.market import market_features
from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.importers.jobs import (
    import_pinnacle,
    import_retrosheet,
    import_retrosplits,
    import_sbr,
)
from mlbcore.importers.report import RETROSHEET_NOTICE
from mlbcore.importers.retrosplits import RETROSPLITS_NOTICE
from mlbcore.parallel import resolved_jobs, run_tasks, task_settings
from mlbcore.settings import Settings, load_settings
from mlbcore.targets import PRIMARY_METRIC, Target
from mlbcore.training.as_of import as_of_training_window, training_set
from mlbcore.training.baselines import BASELINE_NAMES, BASELINE_WORDS, fit_baselines
from mlbcore.training.bootstrap import BETTER, WORSE, Interval, compare_frame
from mlbcore.training.held_out import fit
from mlbcore.training.labels import labelled_games
from mlbcore.training.metrics import score

SEASONS = SCORED_SEASONS
FIRST_SEASON = 2010
POOLED = "pooled"
MODEL, MARKET_FREE, SBR_CLOSE = "prediction", "market_free_prediction", "sbr_close"
REFERENCE_WORDS = {
    **BASELINE_WORDS,
    SBR_CLOSE: "SBR's closing line",
    "market_free": "the market-free part",
}
POINT_METRICS: dict[Target, tuple[str, ...]] = {
    Target.MONEYLINE_HOME_WIN: ("log_loss", "brier", "accuracy"),
    Target.TOTAL_OVER_UNDER: ("log_loss", "brier", "accuracy"),
    Target.RUN_TOTAL_REGRESSION: ("rmse", "mae"),
}
# The closing line's prediction of each target, from `closing_prices`.
CLOSE_COLUMN = {
    Target.MONEYLINE_HOME_WIN: "sbr_close_home_prob",
    Target.TOTAL_OVER_UNDER: "sbr_close_over_prob",
    Target.RUN_TOTAL_REGRESSION: "sbr_close_total",
}


def build_real_snapshot(shared: Path, out: Path, last_season: int = SEASONS[-1]) -> None:
    retro, splits = shared / "retrosheet", shared / "retrosplits"
    seasons = range(FIRST_SEASON, last_season + 1)
    import_retrosheet([retro / f"GL{year}.TXT" for year in seasons], out)
    import_retrosplits(
        out,
        [splits / f"teams-{year}.csv" for year in seasons]
        + [
            splits / f"{kind}-platoon-{year}.csv"
            for kind in ("pitching", "batting")
            for year in range(FIRST_SEASON - 1, last_season + 1)
        ],
    )
    import_sbr(out, [shared / "sbr" / f"mlb odds {year}.xlsx" for year in range(2014, 2017)])
    import_pinnacle(
        out, shared / "pinnacle" / "mlb2016_games.csv", shared / "pinnacle" / "mlb2016_lines.csv.gz"
    )


def closing_prices(games: pl.DataFrame, odds_lines: pl.DataFrame) -> pl.DataFrame:
    """SBR's closing line of each game (stamped at first pitch, so read with a cutoff of
    0 minutes): ``sbr_close_home_prob``, ``sbr_close_over_prob`` (no-vig) and
    ``sbr_close_total``. For scoring only: it is known after every cutoff."""
    at_first_pitch = games.with_columns(cutoff_utc(0))
    prices = market_features(at_first_pitch, odds_lines.filter(pl.col("book") == "sbr"), "sbr")
    return prices.select(
        "game_id",
        pl.col("market_no_vig_home_prob").alias("sbr_close_home_prob"),
        pl.col("market_no_vig_over_prob").alias("sbr_close_over_prob"),
        pl.col("market_total").alias("sbr_close_total"),
    )


def walk_season(
    target: Target,
    season: int,
    features: pl.DataFrame,
    games: pl.DataFrame,
    settings: Settings,
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[pl.DataFrame, list[str]]:
    """Every labelled game of ``season`` predicted by the model and baselines of its
    month, each trained on the games `mlb train --as-of <the month's 1st>` would use. A
    month whose window has too few labelled games (over/under before the first season
    with totals) is left out, and ``skipped`` says so."""
    labelled = labelled_games(features, games, target)
    parts, skipped = [], []
    # The season's last month ends with the year: the next season is not its games.
    for month, test in month_slices(labelled, month_starts(season), date(season + 1, 1, 1)):
        as_of = month_as_of(month)
        progress(f"{target} {month:%Y-%m}: training, then predicting {test.height} games")
        try:
            window = as_of_training_window(games, settings.training.training_window_days, as_of)
            train = training_set(features, games, target, window, as_of)
            fitted = fit(
                target, train, window, settings.model_for(target), settings.training,
                fold_metrics=False,
            )  # fmt: skip
        except MlbError as error:
            skipped.append(f"{month:%Y-%m}: {error} ({test.height} games not scored)")
            continue
        model = fitted.shipped
        baselines = fit_baselines(target, train, FEATURE_NAMES, settings.training.num_threads)
        parts.append(
            test.select("game_id", "date", "label")
            .with_columns(
                target=pl.lit(target.value),
                season=pl.lit(season),
                month=pl.lit(month),
                prediction=pl.Series(model.predict(test)),
                scored_by=model.parts(test),
                market_free_prediction=pl.Series(replace(model, uses_market=False).predict(test)),
                market_rounds=pl.lit(model.market_rounds),
                offset_recalibrated=pl.lit(not model.offset_calibration.is_identity),
                market_free_rounds=pl.lit(model.market_free_rounds),
                n_train=pl.lit(train.height),
                window_start=pl.lit(window.start_date),
            )
            .hstack(baselines.predict(test))
        )
    return pl.concat(parts, how="diagonal_relaxed"), skipped


def _walk_task(
    task: tuple[Target, int, Settings, Callable[[str], None]],
    features: pl.DataFrame,
    games: pl.DataFrame,
) -> tuple[pl.DataFrame, list[str]]:
    target, season, settings, progress = task
    return walk_season(target, season, features, games, settings, progress)


def _quiet(_: str) -> None:
    pass


def walk(
    features: pl.DataFrame,
    games: pl.DataFrame,
    seasons: Sequence[int] = SEASONS,
    targets: Sequence[Target] = tuple(Target),
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[pl.DataFrame, list[str]]:
    """``walk_season`` of every target and season as parallel tasks (``run_tasks``:
    ``jobs`` at a time, default ``MLB_JOBS``, else the core count; 1 runs them here), each
    with its share of the cores in LightGBM, OpenMP and BLAS threads (one each on two
    cores; small windows gain nothing from threads, FIELD-NOTES; LightGBM is deterministic
    whatever the threads, but BLAS sums by thread and the linear baseline would move in
    the 15th digit). ``progress`` gets a line as each month begins (from a worker: on its
    stderr)."""
    settings = load_settings()
    each = task_settings(settings, jobs)
    tell = progress or _quiet
    tasks = [(target, season, each, tell) for target in targets for season in seasons]
    frames = run_tasks(_walk_task, tasks, (features, games), jobs, settings)
    predictions = pl.concat([frame for frame, _ in frames], how="diagonal_relaxed")
    skipped = [
        f"{target.value} {line}"
        for (target, *_), (_, lines) in zip(tasks, frames, strict=True)
        for line in lines
    ]
    return predictions.sort("target", "date", "game_id"), skipped


def _groups(predictions: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    seasons = sorted(predictions["season"].unique().to_list())
    groups = [(str(season), predictions.filter(pl.col("season") == season)) for season in seasons]
    return [*groups, (POOLED, predictions)] if len(seasons) > 1 else groups


def _words(interval: Interval, reference: str) -> str:
    name = REFERENCE_WORDS[reference]
    if interval.verdict == BETTER:
        return f"better than {name}"
    if interval.verdict == WORSE:
        return f"worse than {name}"
    return f"no clear difference from {name}"


@dataclass
class QualityBench:
    """``predictions``: every out-of-sample prediction (one row per target and game).
    ``table``: point values per target, season (or pooled) and metric on the same games.
    ``comparisons``: the primary metric, model minus each reference, with its 95 %
    interval and words. ``market_free``: the market-free part on every game beside the
    base rate and the market. ``seconds``: wall time per step."""

    predictions: pl.DataFrame
    table: pl.DataFrame
    comparisons: pl.DataFrame
    market_free: pl.DataFrame
    seconds: dict[str, float]
    skipped: list[str]  # months not scored, and why


def _comparison_row(
    target: Target, group: str, reference: str, interval: Interval, model: str = "model"
) -> dict[str, object]:
    return {
        "target": target.value,
        "season": group,
        "model": model,
        "reference": reference,
        "metric": interval.metric,
        "games": interval.games,
        "dates": interval.dates,
        "difference": interval.estimate,
        "low": interval.low,
        "high": interval.high,
        "verdict": interval.verdict,
        "words": _words(interval, reference),
    }


def score_walk(
    predictions: pl.DataFrame, closing: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The point table, the model's comparisons and the market-free part's, from
    ``walk``'s predictions and ``closing_prices``."""
    points, comparisons, market_free = [], [], []
    for target in Target:
        rows = predictions.filter(pl.col("target") == target.value)
        if rows.is_empty():
            continue
        rows = rows.join(
            closing.select("game_id", pl.col(CLOSE_COLUMN[target]).alias(SBR_CLOSE)),
            on="game_id",
            how="left",
        )
        metric = PRIMARY_METRIC[target]
        references = [*BASELINE_NAMES[target], SBR_CLOSE]
        for group, frame in _groups(rows):
            # The same games for every column: those the market and the close priced.
            same = frame.drop_nulls([MODEL, *references])
            scored = {
                name: score(target, same["label"].to_numpy(), same[name].to_numpy())
                for name in (MODEL, *references)
            }
            points += [
                {
                    "target": target.value,
                    "season": group,
                    "games": same.height,
                    "metric": name,
                    "model": scored[MODEL][name],
                    **{reference: scored[reference][name] for reference in references},
                    # Months whose market part had no trees: the market, or its recalibration.
                    "months_no_trees": int(
                        frame.filter(pl.col("market_rounds") == 0)["month"].n_unique()
                    ),
                    "months_recalibrated": int(
                        frame.filter(pl.col("offset_recalibrated"))["month"].n_unique()
                    ),
                }
                for name in POINT_METRICS[target]
            ]
            comparisons += [
                _comparison_row(
                    target, group, reference, compare_frame(metric, same, MODEL, reference)
                )
                for reference in references
            ]
            # The market-free part on every labelled game of the group.
            alone = score(target, frame["label"].to_numpy(), frame[MARKET_FREE].to_numpy())
            market_free += [
                {
                    **_comparison_row(
                        target, group, reference,
                        compare_frame(metric, frame, MARKET_FREE, reference), "market_free",
                    ),
                    "all_games": frame.height,
                    "market_free_metric": alone[metric],
                }
                for reference in ("base_rate", "market")
            ]  # fmt: skip
    return pl.DataFrame(points), pl.DataFrame(comparisons), pl.DataFrame(market_free)


def quality_table(
    shared: Path,
    seasons: Sequence[int] = SEASONS,
    targets: Sequence[Target] = tuple(Target),
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> QualityBench:
    settings = load_settings()
    tell = progress or _quiet
    tick = time.perf_counter()
    tell(f"importing the shared data into a snapshot (seasons to {max(seasons)})")
    with tempfile.TemporaryDirectory(prefix="mlb-quality-") as folder:
        out = Path(folder) / "snapshot"
        build_real_snapshot(shared, out, max(seasons))
        snapshot = load_snapshot(out)
    seconds = {"import": time.perf_counter() - tick}
    tick = time.perf_counter()
    tell("building features")
    features = build_features(
        snapshot, settings.ml_cutoff_minutes, lineups=settings.features.lineups
    )
    closing = closing_prices(snapshot.games, snapshot.odds_lines)
    seconds["features"] = time.perf_counter() - tick
    tick = time.perf_counter()
    at_once = (
        "on the Dask cluster"
        if settings.mlb_parallel_backend == "dask"
        else (f"{resolved_jobs(jobs, settings)} at a time")
    )
    tell(f"walking {len(targets) * len(seasons)} target-seasons month by month, {at_once}")
    predictions, skipped = walk(features, snapshot.games, seasons, targets, jobs, progress)
    seconds["walk"] = time.perf_counter() - tick
    tick = time.perf_counter()
    table, comparisons, market_free = score_walk(predictions, closing)
    seconds["scoring"] = time.perf_counter() - tick
    return QualityBench(predictions, table, comparisons, market_free, seconds, skipped)


def _interval_line(row: dict[str, object]) -> str:
    return f"{row['difference']:+.4f} [{row['low']:+.4f}, {row['high']:+.4f}]  {row['words']}"


def report_lines(bench: QualityBench) -> list[str]:
    """The comparisons as text: per target, each season and pooled, model minus each
    reference; then the market-free part."""
    lines = []
    for (target,), rows in bench.comparisons.group_by("target", maintain_order=True):
        first = rows.row(0, named=True)
        lines.append(
            f"{target}: {first['metric'].replace('_', ' ')}, model minus reference on the "
            "same games, 95 % date-block bootstrap interval"
        )
        for (group,), by_group in rows.group_by("season", maintain_order=True):
            head = by_group.row(0, named=True)
            lines.append(f"  {group} ({head['games']:,} games, {head['dates']} dates)")
            lines += [
                f"    vs {row['reference']:<20}{_interval_line(row)}"
                for row in by_group.iter_rows(named=True)
            ]
    lines.append(
        "market-free part (team, pitcher, lineup and workload features only; what scores a "
        "game the market did not price), on every labelled game:"
    )
    for row in bench.market_free.iter_rows(named=True):
        lines.append(
            f"  {row['target']:<22}{row['season']:<8}{row['metric'].replace('_', ' ')} "
            f"{row['market_free_metric']:.4f} on {row['all_games']:,} games; vs "
            f"{row['reference']} on {row['games']:,}: {_interval_line(row)}"
        )
    return lines


def bench_quality(
    shared: Path,
    out: Path,
    seasons: Sequence[int] = SEASONS,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> None:
    started = time.perf_counter()
    settings = load_settings()
    bench = quality_table(shared, seasons, jobs=jobs, progress=progress)
    days = settings.training.training_window_days
    print(
        f"walk-forward through {', '.join(map(str, seasons))} (Retrosheet and retrosplits "
        f"{FIRST_SEASON}-, SBR 2014-, Pinnacle 2016): on the 1st of each month, April to "
        f"October, at 10:00 UTC, each target is trained as `mlb train --as-of` ships it (the "
        f"last {days} game dates, CV-chosen rounds, refitted on the whole window) and the "
        "baselines on the same games; then that month is predicted.\n"
        "  market: Pinnacle's no-vig price at the cutoff, else SBR's opening line; "
        "recalibrated_market: y ~ a + b logit(market) (runs: a + b line) on the training "
        "games; logistic/linear: regularised scikit-learn model on the same features; "
        "sbr_close: SBR's closing line (known at first pitch: a yardstick, never an input)"
    )
    print_table(bench.table)
    print("\n".join(report_lines(bench)))
    for line in bench.skipped:
        print(f"not scored: {line}")
    out.parent.mkdir(parents=True, exist_ok=True)
    bench.predictions.write_csv(out)
    print(f"{bench.predictions.height:,} out-of-sample predictions written to {out}")
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in bench.seconds.items()))
    print(f"total {time.perf_counter() - started:.1f} s (goal < 180 s)")
    print(RETROSHEET_NOTICE)
    print(RETROSPLITS_NOTICE)
