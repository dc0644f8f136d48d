"""`mlb evaluate`: score a target's champion on the most recent window as of an instant,
beside the baselines it must beat, with calibration and betting results, logged to MLflow
as an evaluation run.

The baselines (the market, the recalibrated market, a regularised logistic or linear
model, the base rate) are fitted on the model's own training games: the labelled games of
the training window its run logged whose results were known when its training data ended
(``trained_as_of_utc``), never on a game the evaluation scores.

Over ~300 lines on purpose: scoring, the baselines and the evaluation run's logging
share the scored frame.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from mlbcore import charts, tracking
from mlbcore.clock import require_positive_days
from mlbcore.data.last_result import latest_result_utc
from mlbcore.data.snapshot import Snapshot
from mlbcore.data.timing import result_known_at_utc
from mlbcore.errors import MlbError
from mlbcore.evaluation.betting import BettingRules, BettingSummary, bets, betting_summary
from mlbcore.evaluation.verdicts import DegenerateMeasures, degenerate_measures
from mlbcore.feature_cache.cached_features import data_and_features
from mlbcore.features.market import bet_prices
from mlbcore.prediction import model_uri
from mlbcore.settings import Settings
from mlbcore.targets import PRIMARY_METRIC, Target
from mlbcore.training.as_of import as_of_training_window, training_set
from mlbcore.training.baselines import (
    BASELINE_WORDS,
    Baselines,
    baseline_comparisons,
    fit_baselines,
)
from mlbcore.training.bootstrap import Interval, compare_frame
from mlbcore.training.labels import labelled_games
from mlbcore.training.metrics import calibration_table, primary_score, score
from mlbcore.training.target_model import TargetModel
from mlbcore.training.windows import Window, coverage

OUT_OF_SAMPLE, IN_SAMPLE = "out of sample", "in-sample"


@dataclass
class ScoredPart:
    """One side of an evaluation: the games after the model's training data ended (out of
    sample: the result), or, on request, those before (in-sample: never a result)."""

    label: str
    games: int
    # The model on every game; model_priced_* and market_* on the games the market priced.
    metrics: dict[str, float]
    market_games: int
    vs_market: Interval | None  # model minus market on the priced games, primary metric
    calibration: pl.DataFrame
    # per game: date, first pitch, label, prediction, market_prediction, scored_by, and a
    # column per baseline (Baselines.predict) when they were fitted
    scored: pl.DataFrame
    # Model minus each baseline (primary metric) on the games that baseline predicted, and
    # each baseline's metrics on those games; empty when the baselines were not fitted.
    vs_baselines: dict[str, Interval] = field(default_factory=dict)
    baseline_metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    # The market's own calibration on the priced games, beside the model's; None unpriced.
    market_calibration: pl.DataFrame | None = None

    def games_by_part(self) -> dict[str, int]:
        """How many games each part of the model scored (market, market_free)."""
        counts = self.scored["scored_by"].value_counts()
        return dict(zip(counts["scored_by"], counts["count"], strict=True))

    def parts_text(self) -> str:
        counts = self.games_by_part()
        return (
            f"{counts.get('market', 0)} scored by the market part, "
            f"{counts.get('market_free', 0)} by the market-free part (no price at the cutoff)"
        )


WINDOW_FROM_RUN = "the window its training run logged"


@dataclass(frozen=True)
class BaselineFit:
    """The baselines fitted for an evaluation, and the games they were fitted on."""

    baselines: Baselines
    window: Window  # the model's training window (local game dates)
    window_from: str  # where that window came from: the training run, or the settings
    trained_as_of: datetime  # the model's training data ended here
    games: int  # labelled games of the window whose results were known at trained_as_of
    last_first_pitch_utc: datetime  # the latest of them: before trained_as_of

    def text(self) -> str:
        return (
            f"fitted on the model's training games ({self.games} of "
            f"{self.window.start_date}..{self.window.end_date}, {self.window_from}, results "
            f"known by {self.trained_as_of:%Y-%m-%d %H:%M} UTC)"
        )


def fit_evaluation_baselines(
    target: Target,
    features: pl.DataFrame,
    games: pl.DataFrame,
    window: Window,
    window_from: str,
    trained_as_of: datetime,
    feature_names: tuple[str, ...],
    num_threads: int,
) -> BaselineFit:
    """The baselines of ``target`` fitted on the labelled games of ``window`` whose results
    were known at ``trained_as_of``: what the model itself was fitted on. Every game an
    evaluation scores started after ``trained_as_of``, so none of them is among these.
    Raises ``MlbError`` when there are too few games to fit."""
    train = training_set(features, games, target, window, trained_as_of)
    if train.is_empty():
        raise MlbError(
            f"no labelled game of {window.start_date}..{window.end_date} had a known result "
            f"at {trained_as_of:%Y-%m-%d %H:%M} UTC in this data"
        )
    return BaselineFit(
        baselines=fit_baselines(target, train, feature_names, num_threads),
        window=window,
        window_from=window_from,
        trained_as_of=trained_as_of,
        games=train.height,
        last_first_pitch_utc=train["first_pitch_utc"].max(),  # pyright: ignore[reportArgumentType]  # polars hints a column's max as any value
    )


def baseline_table(target: Target, part: ScoredPart) -> pl.DataFrame:
    """One row per baseline: the games both it and the model predicted, the model's and
    the baseline's primary metric on them, model minus baseline with its 95 % date-block
    interval, and the verdict the interval supports (lower is better for every metric);
    rounded to 4 decimals for reading (MLflow keeps full precision)."""
    metric = PRIMARY_METRIC[target]
    rows = []
    for name, interval in part.vs_baselines.items():
        both = part.scored.drop_nulls([name, "prediction"])
        y = both["label"].to_numpy()
        rows.append(
            {
                "baseline": BASELINE_WORDS[name],
                "games": interval.games,
                f"model {metric}": primary_score(target, y, both["prediction"].to_numpy()),
                f"baseline {metric}": primary_score(target, y, both[name].to_numpy()),
                "model minus baseline": interval.estimate,
                "95 % CI low": interval.low,
                "95 % CI high": interval.high,
                "verdict": interval.verdict,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "baseline": pl.String,
            "games": pl.Int64,
            f"model {metric}": pl.Float64,
            f"baseline {metric}": pl.Float64,
            "model minus baseline": pl.Float64,
            "95 % CI low": pl.Float64,
            "95 % CI high": pl.Float64,
            "verdict": pl.String,
        },
    ).with_columns(pl.selectors.float().round(4))


@dataclass
class Evaluation:
    target: Target
    model_uri: str
    as_of: datetime
    start_utc: datetime
    trained_as_of: datetime  # the model's training data ended here: later games are a test
    out_of_sample: ScoredPart  # the result
    betting: BettingSummary | None  # None for targets that are not bet (run totals)
    bets: pl.DataFrame
    run_id: str
    in_sample: ScoredPart | None = None  # only with include_in_sample
    notices: list[str] = field(default_factory=list)
    baselines: BaselineFit | None = None  # None: too few training games to fit them
    baselines_not_fitted: str = ""  # why, when they were not
    # Games of the window that started before the model's training data ended: left out
    # (or scored apart, in-sample); any at all and no verdict may be green.
    games_before_training: int = 0
    degenerate: DegenerateMeasures | None = None

    # The out-of-sample part's numbers, by the names readers use.
    @property
    def games(self) -> int:
        return self.out_of_sample.games

    @property
    def metrics(self) -> dict[str, float]:
        return self.out_of_sample.metrics

    @property
    def calibration(self) -> pl.DataFrame:
        return self.out_of_sample.calibration

    @property
    def scored(self) -> pl.DataFrame:
        return self.out_of_sample.scored

    @property
    def vs_market(self) -> Interval | None:
        return self.out_of_sample.vs_market

    @property
    def market_games(self) -> int:
        return self.out_of_sample.market_games

    @property
    def vs_baselines(self) -> dict[str, Interval]:
        return self.out_of_sample.vs_baselines


def daily_metrics(target: Target, scored: pl.DataFrame) -> pl.DataFrame:
    """Per game date: games, the model's primary metric and the market's on its priced
    games, for the metrics-over-time chart."""
    rows = []
    for (day,), games in scored.sort("date").partition_by("date", as_dict=True).items():
        priced = games.drop_nulls("market_prediction")
        rows.append(
            {
                "date": day,
                "games": games.height,
                "model": primary_score(
                    target, games["label"].to_numpy(), games["prediction"].to_numpy()
                ),
                "market": primary_score(
                    target, priced["label"].to_numpy(), priced["market_prediction"].to_numpy()
                )
                if priced.height
                else None,
            }
        )
    return pl.DataFrame(rows, schema_overrides={"market": pl.Float64})


def evaluation_window(
    features: pl.DataFrame, games: pl.DataFrame, as_of: datetime, days: int
) -> pl.DataFrame:
    """Features of games that started in the ``days`` before ``as_of`` and whose result
    was known by then: what an analyst could score at that instant."""
    known = games.select("game_id", result_known_at_utc())
    start = as_of - timedelta(days=days)
    return features.join(known, on="game_id").filter(
        (pl.col("first_pitch_utc") > start)
        & (pl.col("first_pitch_utc") <= as_of)
        & (pl.col("result_known_at_utc") <= as_of)
    )


def betting_frame(
    target: Target, scored: pl.DataFrame, odds_lines: pl.DataFrame, book: str | None
) -> pl.DataFrame:
    """The scored games with side A (home or over), its result and the prices at the
    cutoff and at first pitch (the close)."""
    games = scored.select("game_id", "first_pitch_utc", "cutoff_utc")
    at_cutoff = bet_prices(games, odds_lines, book)
    at_close = bet_prices(
        games.with_columns(cutoff_utc=pl.col("first_pitch_utc")), odds_lines, book
    )
    a, b = ("home", "away") if target is Target.MONEYLINE_HOME_WIN else ("over", "under")
    # Teams and the total line ride along for the bets table people read.
    shown = [c for c in ("season", "home_team", "away_team", "market_total") if c in scored.columns]
    return (
        scored.select("game_id", "date", "first_pitch_utc", *shown, "prob", won_a=pl.col("label"))
        .join(at_cutoff.select("game_id", price_a=f"price_{a}", price_b=f"price_{b}"), on="game_id")
        .join(at_close.select("game_id", close_a=f"price_{a}", close_b=f"price_{b}"), on="game_id")
        .drop_nulls(["price_a", "price_b"])
    )


def score_part(
    target: Target,
    label: str,
    labelled: pl.DataFrame,
    model: TargetModel,
    baselines: Baselines | None = None,
) -> ScoredPart:
    """``model``'s predictions of ``labelled`` with the part that scored each game;
    metrics, the market on the same (priced) games with the interval of the difference,
    and calibration, for one part of an evaluation; with ``baselines``, each baseline's
    predictions, metrics and the interval of model minus it."""
    predicted = model.predict(labelled)
    scored = labelled.select(
        "game_id", "date", "first_pitch_utc", "label", "market_prediction"
    ).with_columns(
        prediction=pl.Series(predicted, dtype=pl.Float64), scored_by=model.parts(labelled)
    )
    y = scored["label"].to_numpy()
    metrics = score(target, y, predicted) if scored.height else {}
    priced = scored.drop_nulls("market_prediction")
    vs_market, market_calibration = None, None
    if priced.height:
        y_priced = priced["label"].to_numpy()
        metrics |= {
            f"model_priced_{k}": v
            for k, v in score(target, y_priced, priced["prediction"].to_numpy()).items()
        }
        metrics |= {
            f"market_{k}": v
            for k, v in score(target, y_priced, priced["market_prediction"].to_numpy()).items()
        }
        vs_market = compare_frame(PRIMARY_METRIC[target], priced, "prediction", "market_prediction")
        market_calibration = calibration_table(
            target, y_priced, priced["market_prediction"].to_numpy()
        )
    calibration = calibration_table(target, y, predicted)
    vs_baselines: dict[str, Interval] = {}
    baseline_metrics: dict[str, dict[str, float]] = {}
    if baselines is not None and scored.height:
        scored = scored.hstack(baselines.predict(labelled))
        vs_baselines = baseline_comparisons(target, scored, "prediction")
        for name in vs_baselines:
            both = scored.drop_nulls([name, "prediction"])
            baseline_metrics[name] = score(target, both["label"].to_numpy(), both[name].to_numpy())
    return ScoredPart(
        label, scored.height, metrics, priced.height, vs_market, calibration, scored,
        vs_baselines, baseline_metrics, market_calibration,
    )  # fmt: skip


def champion_in_place(target: Target, source: str, as_of: datetime) -> tuple[str, list[str]]:
    """The URI of the champion in place at ``as_of`` (never one trained later), and a
    notice when it is not today's champion."""
    found = tracking.champion_as_of(target, source, as_of)
    if found is None:
        current = tracking.require_champion(target, source)  # none at all: says what to do
        raise MlbError(
            f"no {target} champion had been trained by {as_of:%Y-%m-%d %H:%M} UTC (the "
            f"champion, v{current.version}, was trained as of "
            f"{current.trained_as_of_utc:%Y-%m-%d %H:%M} UTC), so every game before it is "
            "inside the model's training data: pass an --as-of after that (or "
            "--include-in-sample to see them, labelled in-sample)"
        )
    notices = []
    if found.version != tracking.champion_version(target, source):
        notices.append(
            f"scored with v{found.version}, the champion in place at "
            f"{as_of:%Y-%m-%d %H:%M} UTC: today's champion was trained after it"
        )
    return found.uri, notices


def evaluate(
    settings: Settings,
    target: Target,
    days: int = 7,
    as_of: datetime | None = None,
    data: Path | str | None = None,
    model: str = "champion",
    log: bool = True,
    loaded: tuple[Snapshot, pl.DataFrame] | None = None,
    include_in_sample: bool = False,
) -> Evaluation:
    """Score the model on the window's games that started after its training data ended
    (``trained_as_of_utc``): out of sample. Games before that are refused, or, with
    ``include_in_sample``, scored apart and labelled in-sample. ``log`` records it as an
    MLflow evaluation run (off for reports, which only read)."""
    require_positive_days(days)
    snapshot, features = data_and_features(settings, data, loaded)
    # The data's time, not the wall clock: by default, when its last result became known.
    as_of = as_of or latest_result_utc(snapshot.games) or datetime.now(UTC)
    window = evaluation_window(features, snapshot.games, as_of, days)
    labelled = labelled_games(window, snapshot.games, target)
    if labelled.is_empty():
        raise MlbError(
            f"no finished games in the {days} days before {as_of:%Y-%m-%d %H:%M} UTC; "
            f"{coverage(snapshot.games['date'])} (pass --as-of inside it)"
        )
    experiment_id = tracking.configure(settings)
    # The champion in place at the as-of; asked to show in-sample games, today's champion
    # (those games are its training data, labelled so).
    uri, notices = (
        champion_in_place(target, snapshot.games_source, as_of)
        if model == "champion" and not include_in_sample
        else model_uri(target, model, snapshot.games_source)
    )
    trained_as_of = tracking.trained_as_of(uri)
    after = pl.col("first_pitch_utc") > trained_as_of
    unseen, seen = labelled.filter(after), labelled.filter(~after)
    if unseen.is_empty() and not include_in_sample:
        raise MlbError(
            f"all {seen.height} games in the {days} days before {as_of:%Y-%m-%d %H:%M} UTC "
            f"are inside the model's training data (it was trained as of "
            f"{trained_as_of:%Y-%m-%d %H:%M} UTC), so scoring them would be in-sample; pass "
            "an --as-of after that (or --include-in-sample to see them, labelled in-sample)"
        )
    target_model = tracking.load_model(uri, settings.training.num_threads)
    # The baselines learn from the model's own training window; a run that logged none
    # (older runs) gets the window `mlb train --as-of` would have used then.
    window, window_from = tracking.training_window(uri), WINDOW_FROM_RUN
    if window is None:
        days_back = settings.training.training_window_days
        window = as_of_training_window(snapshot.games, days_back, trained_as_of)
        window_from = f"its run logged no window: the last {days_back} game dates known then"
    baseline_fit, baselines_not_fitted = None, ""
    try:
        baseline_fit = fit_evaluation_baselines(
            target, features, snapshot.games, window, window_from, trained_as_of,
            target_model.input_features, settings.training.num_threads,
        )  # fmt: skip
    except MlbError as error:
        baselines_not_fitted = str(error)
        notices.append(
            f"the baselines were not fitted on the model's training games "
            f"({window.start_date}..{window.end_date}): {baselines_not_fitted}; the model is "
            "compared with the market alone"
        )
    fitted = baseline_fit.baselines if baseline_fit else None
    part = score_part(target, OUT_OF_SAMPLE, unseen, target_model, fitted)
    in_sample = (
        score_part(target, IN_SAMPLE, seen, target_model, fitted) if include_in_sample else None
    )
    if seen.height and not include_in_sample:
        notices.append(
            f"{seen.height} of the window's {labelled.height} games started before the model's "
            f"training data ended ({trained_as_of:%Y-%m-%d %H:%M} UTC) and were left out: "
            "scores on them would be in-sample"
        )
    placed, summary = pl.DataFrame(), None
    if target.is_binary and part.games:
        rules = BettingRules(**settings.betting.model_dump())
        with_prob = unseen.with_columns(prob=pl.Series(part.scored["prediction"]))
        placed = bets(
            betting_frame(target, with_prob, snapshot.odds_lines, settings.market_book), rules
        )
        summary = betting_summary(placed)
    bet_count = placed.height if target.is_binary else None
    degenerate = (
        degenerate_measures(part.scored, part.calibration, bet_count) if part.games else None
    )
    figures = {}
    if part.games:
        figures = {
            "calibration": charts.calibration_chart(
                target, part.calibration, "window's games", part.market_calibration
            ),
            "metrics_over_time": charts.metrics_over_time_chart(
                target, daily_metrics(target, part.scored)
            ),
        }
    if not placed.is_empty():
        figures["bankroll"] = charts.bankroll_chart(placed, target)
    run_id = (
        ""
        if not log
        else _log(
            settings,
            experiment_id,
            target,
            uri,
            as_of,
            days,
            snapshot.data_version,
            part,
            in_sample,
            summary,
            figures,
            baseline_fit,
            baselines_not_fitted,
            degenerate,
        )
    )
    return Evaluation(
        target=target,
        model_uri=uri,
        as_of=as_of,
        start_utc=as_of - timedelta(days=days),
        trained_as_of=trained_as_of,
        out_of_sample=part,
        betting=summary,
        bets=placed,
        run_id=run_id,
        in_sample=in_sample,
        notices=notices,
        baselines=baseline_fit,
        baselines_not_fitted=baselines_not_fitted,
        games_before_training=seen.height,
        degenerate=degenerate,
    )


def _log(
    settings: Settings, experiment_id: str, target: Target, uri: str, as_of: datetime, days: int,
    data_version: str, part: ScoredPart, in_sample: ScoredPart | None,
    betting: BettingSummary | None, figures: dict[str, Any], baseline_fit: BaselineFit | None,
    baselines_not_fitted: str, degenerate: DegenerateMeasures | None,
) -> str:  # fmt: skip
    """An evaluation run: eval_* are out-of-sample metrics only (the model minus each
    baseline as eval_vs_{name}_*, each baseline's own as eval_baseline_{name}_*); in-sample
    ones, when asked for, are logged apart as in_sample_* and counted in the
    ``in_sample_games`` tag."""
    import mlflow

    tags: dict[str, Any] = {
        "target": target.value,
        "run_type": "evaluation",
        "evaluated_model": uri,
        "in_sample_games": str(in_sample.games if in_sample else 0),
    }
    if part.vs_market is not None:
        tags["verdict_vs_market"] = part.vs_market.verdict
    tags |= {f"verdict_vs_{name}": i.verdict for name, i in part.vs_baselines.items()}
    if baselines_not_fitted:
        tags["baselines_not_fitted"] = baselines_not_fitted[:4900]
    baseline_params = {}
    if baseline_fit is not None:
        baseline_params = {
            "baseline_window_start_date": baseline_fit.window.start_date.isoformat(),
            "baseline_window_end_date": baseline_fit.window.end_date.isoformat(),
            "baseline_window_from": baseline_fit.window_from,
            "baseline_training_games": baseline_fit.games,
        }
    betting_metrics = betting.metrics() if betting else {}
    if betting:  # the words the intervals support, beside the numbers
        tags |= {f"betting_{k}_verdict": v for k, v in betting.verdicts().items()}
    with mlflow.start_run(
        experiment_id=experiment_id,
        run_name=f"evaluate_{target.value}_{as_of.astimezone(UTC):%Y%m%d_%H%M%S}",
        tags=tags,
    ) as run:
        mlflow.log_params(
            {
                "as_of_utc": as_of.isoformat(),
                "window_days": days,
                "data_version": data_version,
                "games": part.games,
                "market_games": part.market_games,
                **{f"games_scored_by_{k}": v for k, v in part.games_by_part().items()},
                **{f"betting_{k}": v for k, v in settings.betting.model_dump().items()},
                **baseline_params,
            }
        )
        metrics = {f"eval_{k}": v for k, v in part.metrics.items()}
        if part.vs_market is not None:
            metrics |= part.vs_market.as_dict(f"eval_vs_market_{part.vs_market.metric}_")
        for name, interval in part.vs_baselines.items():
            metrics |= interval.as_dict(f"eval_vs_{name}_{interval.metric}_")
        for name, scores in part.baseline_metrics.items():
            metrics |= {f"eval_baseline_{name}_{k}": v for k, v in scores.items()}
        if baseline_fit is not None:
            metrics |= baseline_fit.baselines.as_dict("eval_baseline_fit_")
        if in_sample is not None:
            metrics |= {f"in_sample_{k}": v for k, v in in_sample.metrics.items()}
        metrics |= {f"betting_{k}": v for k, v in betting_metrics.items() if v == v}
        if degenerate is not None:  # read back by the landing page's verdict cards
            metrics |= {
                f"eval_degenerate_{k}": v for k, v in degenerate.as_dict().items() if v == v
            }
        mlflow.log_metrics(metrics)
        mlflow.log_dict({"calibration": part.calibration.to_dicts()}, "calibration.json")
        tracking.log_figures({name: charts.to_png(chart) for name, chart in figures.items()})
        return str(run.info.run_id)
