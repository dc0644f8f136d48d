"""Train one target's model: a market part boosted from the market's price at the cutoff
(LightGBM ``init_score``) on the priced games, and a market-free part on every game with
schedule and results features (``TargetModel``). Time-series CV with early stopping on
each fold's held-out dates picks each part's rounds (the market part's may be 0: the
market itself), a final fit on the whole training part, and an honest test on the last
dates of the window beside the market's and the base rate's predictions.

Over ~300 lines on purpose: one target's fit (CV, refit, intervals, comparisons) reads
as one procedure.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from mlbcore.errors import MlbError
from mlbcore.features.registry import FEATURE_NAMES, MARKET_FREE_FEATURES
from mlbcore.settings import ModelConfig, TrainingConfig
from mlbcore.targets import PRIMARY_METRIC, Target
from mlbcore.training.baselines import BASE_RATE, BASELINE_NAMES, MARKET, fit_baselines
from mlbcore.training.bootstrap import Interval, compare_frame
from mlbcore.training.gate import GateScores, gate_scores
from mlbcore.training.market_offset import (
    BINARY,
    IDENTITY,
    POISSON,
    REGRESSION,
    OffsetCalibration,
    fit_offset_calibration,
    link,
    market_offset,
    objective_of,
)
from mlbcore.training.metrics import metric_names, primary_score, score
from mlbcore.training.target_model import PARTS, TargetModel, feature_matrix
from mlbcore.training.windows import Window, chronological_split, date_folds

__all__ = ["feature_matrix"]  # re-exported: callers build model inputs from here


@dataclass
class TrainingResult:
    """A trained model and everything measured about it."""

    target: Target
    model: TargetModel  # refitted on the whole window: the model registered and used
    held_out_model: TargetModel  # fitted on the training dates: what the test rows score
    params: dict[str, Any]
    window: Window
    n_train: int
    n_test: int
    metrics: dict[str, float]
    importance: pl.DataFrame  # per part: part, feature, gain, split, gain_share
    calibration: pl.DataFrame
    test_predictions: pl.DataFrame  # with scored_by: the part that scored each game
    quality: dict[str, float]
    game_quality: pl.DataFrame  # per game: completeness, missing features, sources
    gate: GateScores
    # The model minus each baseline on the test dates, primary metric, with intervals.
    comparisons: dict[str, Interval]
    notes: list[str] = field(default_factory=list)  # e.g. why the market part is the market
    feature_names: list[str] = field(default_factory=lambda: list(FEATURE_NAMES))

    @property
    def market_rounds(self) -> int:
        return self.model.market_rounds

    @property
    def market_free_rounds(self) -> int:
        return self.model.market_free_rounds


# The baselines fitted on the training dates, beside the market and the base rate.
FITTED_BASELINES: dict[Target, tuple[str, ...]] = {
    target: tuple(n for n in BASELINE_NAMES[target] if n not in (MARKET, BASE_RATE))
    for target in Target
}

# LightGBM's early-stopping metric for each objective.
STOPPING_METRIC = {BINARY: "binary_logloss", REGRESSION: "l2", POISSON: "poisson"}


def lightgbm_params(
    target: Target, config: ModelConfig, training_config: TrainingConfig
) -> dict[str, Any]:
    """LightGBM's parameters for ``target``: the model config, the training seed, and the
    thread count always explicit (LightGBM's default takes every core)."""
    objective = objective_of(target, getattr(config, "objective", REGRESSION))
    params: dict[str, Any] = {
        "objective": objective,
        "metric": STOPPING_METRIC[objective],
        **config.model_dump(exclude={"objective", "market_offset"}),
        "bagging_freq": 1 if config.bagging_fraction < 1 else 0,
        "seed": training_config.seed,
        "num_threads": training_config.num_threads,
        "deterministic": True,
        "force_col_wise": True,
        "verbosity": -1,
    }
    return params


def stopping_loss(objective: str, y: np.ndarray, raw: np.ndarray) -> float:
    """LightGBM's early-stopping metric of raw scores ``raw`` (offset plus trees): what it
    records per round, computed here for round 0, the offset alone."""
    predicted = link(raw, objective)
    if objective == BINARY:
        p = np.clip(predicted, 1e-15, 1 - 1e-15)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    if objective == POISSON:
        mu = np.maximum(predicted, 1e-10)
        return float(np.mean(mu - y * np.log(mu)))
    return float(np.mean((predicted - y) ** 2))


def _fit(
    params: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    rounds: int,
    feature_names: tuple[str, ...],
    init_score: np.ndarray | None = None,
    valid: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None,
    early_stopping_rounds: int = 0,
    evals: dict[str, Any] | None = None,
) -> lgb.Booster:
    """A booster; with ``init_score`` it boosts from that offset (LightGBM then skips
    boost_from_average), and the validation set carries its own offset, or early stopping
    would judge the trees without the market."""
    train_set = lgb.Dataset(
        x, y, feature_name=list(feature_names), init_score=init_score, free_raw_data=False
    )
    if valid is None:
        return lgb.train(params, train_set, num_boost_round=rounds)
    valid_set = lgb.Dataset(valid[0], valid[1], init_score=valid[2], reference=train_set)
    callbacks: list[Callable[..., None]] = [
        lgb.early_stopping(early_stopping_rounds, verbose=False)
    ]
    if evals is not None:
        callbacks.append(lgb.record_evaluation(evals))
    return lgb.train(
        params, train_set, num_boost_round=rounds, valid_sets=[valid_set], callbacks=callbacks
    )


@dataclass
class _Inputs:
    """A frame's games as the two parts see them."""

    x_market: np.ndarray
    x_free: np.ndarray
    y: np.ndarray
    offset: np.ndarray  # NaN where the market had no price (all NaN without the market)
    priced: np.ndarray
    market_features: tuple[str, ...]
    free_features: tuple[str, ...]

    @classmethod
    def of(
        cls, target: Target, frame: pl.DataFrame, objective: str,
        feature_names: tuple[str, ...], use_market: bool,
    ) -> "_Inputs":  # fmt: skip
        free = tuple(n for n in feature_names if n in MARKET_FREE_FEATURES)
        offset = (
            market_offset(frame, target, objective) if use_market else np.full(frame.height, np.nan)
        )
        return cls(
            feature_matrix(frame, feature_names), feature_matrix(frame, free),
            frame["label"].to_numpy().astype(np.float64), offset, np.isfinite(offset),
            feature_names, free,
        )  # fmt: skip


def _market_fold(
    params: dict[str, Any], inputs: _Inputs, offset: np.ndarray, fit: np.ndarray,
    stop: np.ndarray, training_config: TrainingConfig,
) -> tuple[lgb.Booster | None, int]:  # fmt: skip
    """The market part on one fold: boosted from ``offset`` on ``fit``, each round (and
    round 0, the offset alone) scored on ``stop``; the best round count may be 0."""
    if fit.size == 0 or stop.size == 0:
        return None, 0
    evals: dict[str, Any] = {}
    x, y = inputs.x_market, inputs.y
    booster = _fit(
        params, x[fit], y[fit], training_config.max_boost_rounds, inputs.market_features,
        init_score=offset[fit], valid=(x[stop], y[stop], offset[stop]),
        early_stopping_rounds=training_config.early_stopping_rounds, evals=evals,
    )  # fmt: skip
    per_round = next(iter(evals["valid_0"].values()))
    losses = [stopping_loss(params["objective"], y[stop], offset[stop]), *per_round]
    return booster, int(np.argmin(losses))  # the first minimum: fewer rounds on a tie


def recalibrates_offset(
    objective: str,
    inputs: _Inputs,
    dates: pl.Series,
    training_config: TrainingConfig,
    choice: str,
) -> bool:
    """Whether the market part boosts from the recalibrated offset: as configured, or
    with ``"cv"`` when time-series CV over the *priced* games' dates scores the offset
    recalibrated on each fold's training dates better than the raw offset (mean stopping
    loss over the folds, round 0), the way CV chooses the rounds. The raw market on a
    tie, or with too few priced dates to fold.

    Folding the priced dates alone, not the window's, gives every fold a market to judge,
    where the window reaches back to seasons the market never priced."""
    if choice != "cv":
        return choice == "recalibrated"
    priced = np.flatnonzero(inputs.priced)
    try:
        folds = date_folds(
            dates.gather(priced),
            training_config.cross_validation_folds,
            training_config.cv_gap_days,
        )
    except MlbError:  # too few priced dates to judge: the market as it is
        return False
    raw_losses, recalibrated_losses = [], []
    for fold_train, fold_valid in folds:
        train, valid = priced[fold_train], priced[fold_valid]
        calibration = fit_offset_calibration(objective, inputs.offset[train], inputs.y[train])
        if calibration.is_identity:
            continue
        y, offset = inputs.y[valid], inputs.offset[valid]
        raw_losses.append(stopping_loss(objective, y, offset))
        recalibrated_losses.append(stopping_loss(objective, y, calibration.apply(offset)))
    return bool(raw_losses) and float(np.mean(recalibrated_losses)) < float(np.mean(raw_losses))


def offset_calibration(
    objective: str, inputs: _Inputs, rows: np.ndarray, recalibrate: bool
) -> OffsetCalibration:
    """The calibration of the offset fitted on ``rows`` (their priced games), or the
    identity when the market part boosts from the market as it is."""
    if not recalibrate:
        return IDENTITY
    return fit_offset_calibration(objective, inputs.offset[rows], inputs.y[rows])


@dataclass
class CrossValidated:
    """A target model fitted on every row given, with the rounds the folds chose for
    each part, each fold's scores of the combined predictions, and notes."""

    model: TargetModel
    fold_scores: list[dict[str, float]]
    notes: list[str]


def cross_validated_fit(
    target: Target,
    frame: pl.DataFrame,
    params: dict[str, Any],
    training_config: TrainingConfig,
    feature_names: tuple[str, ...] = FEATURE_NAMES,
    fold_metrics: bool = True,
    use_market: bool = True,
    market_offset_choice: str = "cv",
) -> CrossValidated:
    """Time-series CV over ``frame``'s dates (sorted), then a fit on every row with, for
    each part, the median number of rounds the folds chose. The folds score the combined
    model (priced games by the market part, the others by the market-free part): every
    metric, or with ``fold_metrics`` off the primary one (the model is the same).

    The market part learns from the priced games only; below
    ``training_config.min_training_games`` of them it is the market itself (0 rounds).
    Whether it boosts from the recalibrated offset is ``market_offset_choice``
    ("market", "recalibrated", or "cv": ``recalibrates_offset``); each fold recalibrates
    on its own fitting dates, so no fold's validation dates shape its offset."""
    objective = params["objective"]
    inputs = _Inputs.of(target, frame, objective, feature_names, use_market)
    dates = frame["date"]
    notes = []
    priced_games = int(inputs.priced.sum())
    boost_market = use_market and priced_games >= training_config.min_training_games
    if use_market and not boost_market:
        notes.append(
            f"the market part is the market itself: {priced_games} priced training games, "
            f"boosting from the market needs {training_config.min_training_games}"
        )
    folds = date_folds(dates, training_config.cross_validation_folds, training_config.cv_gap_days)
    recalibrate = use_market and recalibrates_offset(
        objective, inputs, dates, training_config, market_offset_choice
    )
    fold_scores, free_rounds, market_rounds = [], [], []
    for fold_train, fold_valid in folds:
        # Early stopping watches the last dates of the fold's own training part, so the
        # fold's validation dates score a model that never looked at them.
        fit_rows, stop_rows = chronological_split(
            dates.gather(fold_train), training_config.test_size
        )
        fit, stop = fold_train[fit_rows], fold_train[stop_rows]
        free = _fit(
            params, inputs.x_free[fit], inputs.y[fit], training_config.max_boost_rounds,
            inputs.free_features, valid=(inputs.x_free[stop], inputs.y[stop], None),
            early_stopping_rounds=training_config.early_stopping_rounds,
        )  # fmt: skip
        free_rounds.append(max(1, free.best_iteration))
        predicted = np.asarray(free.predict(
            inputs.x_free[fold_valid], num_iteration=free.best_iteration,
            num_threads=params["num_threads"],
        ))  # fmt: skip
        offset = offset_calibration(objective, inputs, fit, recalibrate).apply(inputs.offset)
        booster, rounds = None, 0
        if boost_market:
            booster, rounds = _market_fold(
                params, inputs, offset, fit[inputs.priced[fit]], stop[inputs.priced[stop]],
                training_config,
            )  # fmt: skip
            market_rounds.append(rounds)
        valid_priced = inputs.priced[fold_valid]
        if valid_priced.any():
            rows = fold_valid[valid_priced]
            raw = offset[rows]
            if booster is not None and rounds > 0:
                raw = raw + booster.predict(
                    inputs.x_market[rows], num_iteration=rounds, raw_score=True,
                    num_threads=params["num_threads"],
                )  # fmt: skip
            predicted[valid_priced] = link(raw, objective)
        y_valid = inputs.y[fold_valid]
        fold_scores.append(
            score(target, y_valid, predicted)
            if fold_metrics
            else {PRIMARY_METRIC[target]: primary_score(target, y_valid, predicted)}
        )
    model = fit_target_model(
        target, frame, params, feature_names,
        market_rounds=int(np.median(market_rounds)) if market_rounds else 0,
        market_free_rounds=int(np.median(free_rounds)), use_market=use_market,
        recalibrate=recalibrate,
    )  # fmt: skip
    return CrossValidated(model, fold_scores, notes)


def fit_target_model(
    target: Target,
    frame: pl.DataFrame,
    params: dict[str, Any],
    feature_names: tuple[str, ...],
    market_rounds: int,
    market_free_rounds: int,
    use_market: bool = True,
    recalibrate: bool = False,
) -> TargetModel:
    """Both parts fitted on every row of ``frame`` with the given rounds (the market part
    on its priced rows, from their offset, recalibrated on them when ``recalibrate``;
    no trees when ``market_rounds`` is 0)."""
    objective = params["objective"]
    inputs = _Inputs.of(target, frame, objective, feature_names, use_market)
    free = _fit(params, inputs.x_free, inputs.y, market_free_rounds, inputs.free_features)
    calibration = offset_calibration(
        objective, inputs, np.arange(frame.height), use_market and recalibrate
    )
    market = None
    if use_market and market_rounds > 0:
        priced = inputs.priced
        market = _fit(
            params, inputs.x_market[priced], inputs.y[priced], market_rounds, feature_names,
            init_score=calibration.apply(inputs.offset[priced]),
        )  # fmt: skip
    return TargetModel(
        target=target,
        objective=objective,
        market_free=free,
        market_free_features=inputs.free_features,
        market_free_rounds=market_free_rounds,
        market=market,
        market_features=feature_names,
        market_rounds=market_rounds if use_market else 0,
        uses_market=use_market,
        offset_calibration=calibration,
        num_threads=params["num_threads"],
    )


def calibration_table(
    target: Target, label: np.ndarray, predicted: np.ndarray, bins: int = 10
) -> pl.DataFrame:
    """Predicted versus observed by bin: probability deciles of width 0.1 for a binary
    target, equal-count bins of the predicted total for the regression."""
    frame = pl.DataFrame({"predicted": predicted, "observed": label})
    if target.is_binary:
        bin_expr = (pl.col("predicted") * bins).floor().clip(0, bins - 1).cast(pl.Int32)
    else:
        bin_expr = pl.col("predicted").rank("ordinal").sub(1).mul(bins).floordiv(pl.len())
    return (
        frame.with_columns(bin=bin_expr.cast(pl.Int32))
        .group_by("bin")
        .agg(
            mean_predicted=pl.col("predicted").mean(),
            mean_observed=pl.col("observed").mean(),
            games=pl.len(),
        )
        .sort("bin")
    )


@dataclass
class Fit:
    """A model fitted on a window's training dates (scored on the rows it held out), and
    the same configuration refitted on every row of the window: what is shipped."""

    model: TargetModel  # training dates only: the test rows score this one
    shipped: TargetModel  # the whole window, the CV-chosen rounds: registered and used
    fold_scores: list[dict[str, float]]
    train_rows: np.ndarray
    test_rows: np.ndarray
    predicted_test: np.ndarray  # the held-out fit's predictions of the test rows
    gate: GateScores
    notes: list[str]


def fit(
    target: Target,
    labelled: pl.DataFrame,
    window: Window,
    model_config: ModelConfig,
    training_config: TrainingConfig,
    fold_metrics: bool = True,
    feature_names: tuple[str, ...] = FEATURE_NAMES,
    use_market: bool = True,
) -> Fit:
    """Split off the window's last dates as the test set, then CV-fit on the rest.

    ``labelled`` holds features, ``label`` and ``market_prediction`` for games inside the
    window, sorted by first pitch. ``feature_names`` are the market part's inputs (the
    market-free part takes those of them from schedule and results); ``use_market`` off
    leaves only the market-free part (the quality bench's market-free variant).

    OpenMP and BLAS (scikit-learn's offset calibrations) run ``training_config.num_threads``
    threads meanwhile, as LightGBM does: their default, every core, spins under load.
    """
    with threadpool_limits(limits=training_config.num_threads):
        return _fit_split(
            target, labelled, window, model_config, training_config, fold_metrics,
            feature_names, use_market,
        )  # fmt: skip


def _fit_split(
    target: Target,
    labelled: pl.DataFrame,
    window: Window,
    model_config: ModelConfig,
    training_config: TrainingConfig,
    fold_metrics: bool,
    feature_names: tuple[str, ...],
    use_market: bool,
) -> Fit:
    found, needed = labelled.height, training_config.min_training_games
    if found < needed:
        raise MlbError(
            f"{target}: the window {window.start_date}..{window.end_date} has {found} "
            f"labelled games; training needs at least {needed} (widen --days)"
        )
    params = lightgbm_params(target, model_config, training_config)
    train_rows, test_rows = chronological_split(labelled["date"], training_config.test_size)
    train = labelled[train_rows]
    # The final model never sees the test rows, not even for early stopping.
    validated = cross_validated_fit(
        target, train, params, training_config, feature_names, fold_metrics, use_market,
        model_config.market_offset,
    )  # fmt: skip
    held_out = validated.model
    # The test rows are the most recent information: once they have given the estimate,
    # the shipped model learns from them too, with the rounds and offset CV chose (the
    # recalibration refitted on the whole window).
    shipped = fit_target_model(
        target, labelled, params, feature_names, held_out.market_rounds,
        held_out.market_free_rounds, use_market,
        recalibrate=not held_out.offset_calibration.is_identity,
    )  # fmt: skip
    test = labelled[test_rows]
    predicted_test = held_out.predict(test)
    gate = gate_scores(
        target,
        held_out.market_free_rounds,
        held_out.market_rounds,
        test["label"].to_numpy(),
        predicted_test,
        float(train["label"].mean()),  # pyright: ignore[reportArgumentType]  # polars hints a column's mean as any value
        market_free_test_games=int((~held_out.priced(test)).sum()),
    )
    return Fit(
        held_out, shipped, validated.fold_scores, train_rows, test_rows, predicted_test, gate,
        validated.notes,
    )  # fmt: skip


@dataclass
class Challenger:
    """The model ``train_target`` would ship (refitted on its whole window), its primary
    metric on the held-out dates and what the promotion gate reads, without the report:
    the season replay fits hundreds of these."""

    model: TargetModel
    test_metric: float
    gate: GateScores


def fit_challenger(
    target: Target,
    labelled: pl.DataFrame,
    window: Window,
    model_config: ModelConfig,
    training_config: TrainingConfig,
) -> Challenger:
    fitted = fit(target, labelled, window, model_config, training_config, fold_metrics=False)
    return Challenger(fitted.shipped, fitted.gate.test_metric, fitted.gate)


def train_target(
    target: Target,
    labelled: pl.DataFrame,
    window: Window,
    model_config: ModelConfig,
    training_config: TrainingConfig,
) -> TrainingResult:
    """Train and measure one target on the labelled games of ``window``."""
    fitted = fit(target, labelled, window, model_config, training_config)
    held_out, train_rows, test_rows = fitted.model, fitted.train_rows, fitted.test_rows
    params = lightgbm_params(target, model_config, training_config)
    train, test_games = labelled[train_rows], labelled[test_rows]
    y_train, y_test = train["label"].to_numpy(), test_games["label"].to_numpy()

    predicted_train = held_out.predict(train)
    predicted_test = fitted.predicted_test
    train_mean = float(y_train.mean())
    # The baselines LightGBM must beat, fitted on the same training dates.
    baselines = fit_baselines(target, train, FEATURE_NAMES, training_config.num_threads)
    fitted_baselines = baselines.predict(test_games).select(FITTED_BASELINES[target])
    test = test_games.with_columns(
        prediction=pl.Series(predicted_test),
        base_rate=pl.lit(train_mean),
        scored_by=held_out.parts(test_games),
    ).hstack(fitted_baselines)
    metrics: dict[str, float] = {}
    metrics |= {f"train_{k}": v for k, v in score(target, y_train, predicted_train).items()}
    metrics |= {f"test_{k}": v for k, v in score(target, y_test, predicted_test).items()}
    for name in metric_names(target):
        values = [s[name] for s in fitted.fold_scores]
        metrics[f"cv_mean_{name}"] = float(np.nanmean(values))
        metrics[f"cv_std_{name}"] = float(np.nanstd(values))
    metrics |= baseline_metrics(target, test, predicted_test, train_mean)
    for name in FITTED_BASELINES[target]:
        priced = test.filter(pl.col(name).is_not_null())
        if priced.height:
            scored = score(target, priced["label"].to_numpy(), priced[name].to_numpy())
            metrics |= {f"baseline_{name}_{k}": v for k, v in scored.items()}
    metrics |= baselines.as_dict("baseline_fit_")
    for part in PARTS:
        metrics[f"scored_by_{part}_test_games"] = float((test["scored_by"] == part).sum())
    comparisons = held_out_comparisons(target, test)
    for name, interval in comparisons.items():
        metrics |= interval.as_dict(f"test_vs_{name}_{interval.metric}_")

    test_predictions = test.select(
        "game_id", "date", "home_team", "away_team", "label", "market_prediction",
        "prediction", "scored_by",
    )  # fmt: skip
    shares = labelled.select(
        completeness_mean=pl.col("completeness").mean(),
        completeness_min=pl.col("completeness").min(),
        games_with_market_share=pl.col("sources").list.contains("market").mean(),
        games_with_splits_share=pl.col("sources").list.contains("splits").mean(),
    )
    quality = {name: float(value or 0.0) for name, value in shares.row(0, named=True).items()}
    return TrainingResult(
        target=target,
        model=fitted.shipped,
        held_out_model=held_out,
        params=params,
        window=window,
        n_train=len(train_rows),
        n_test=len(test_rows),
        metrics=metrics,
        # The shipped model's importance: the one registered, and the one drift compares.
        importance=fitted.shipped.importance(),
        calibration=calibration_table(target, y_test, predicted_test),
        test_predictions=test_predictions,
        quality=quality,
        game_quality=labelled.select(
            "game_id",
            "date",
            "completeness",
            missing_features=pl.col("missing_features").list.join(" "),
            sources=pl.col("sources").list.join(" "),
        ),
        gate=fitted.gate,
        comparisons=comparisons,
        notes=fitted.notes,
        feature_names=list(fitted.shipped.input_features),
    )


def held_out_comparisons(target: Target, test: pl.DataFrame) -> dict[str, Interval]:
    """The model's primary metric minus the market's (on the test games it priced), minus
    the base rate's (on every test game) and minus each fitted baseline's present in
    ``test`` (on the games it predicted), each with its date-block interval."""
    metric = PRIMARY_METRIC[target]
    comparisons = {"base_rate": compare_frame(metric, test, "prediction", "base_rate")}
    if test["market_prediction"].is_not_null().any():
        comparisons["market"] = compare_frame(metric, test, "prediction", "market_prediction")
    for name in FITTED_BASELINES[target]:
        if name in test.columns and test[name].is_not_null().any():
            comparisons[name] = compare_frame(metric, test, "prediction", name)
    return comparisons


def baseline_metrics(
    target: Target, test: pl.DataFrame, predicted: np.ndarray, train_mean: float
) -> dict[str, float]:
    """The same metrics for the market's prediction at the cutoff and for the training
    base rate / mean, on the same test rows. Where some test games had no market price,
    the market is scored on the others, and so is the model (``test_market_games_*``)."""
    y = test["label"].to_numpy()
    metrics = {
        f"baseline_base_rate_{k}": v
        for k, v in score(target, y, np.full(len(y), train_mean)).items()
    }
    has_market = test["market_prediction"].is_not_null().to_numpy()
    with_market = test.filter(pl.col("market_prediction").is_not_null())
    metrics["baseline_market_coverage"] = with_market.height / max(test.height, 1)
    if 0 < with_market.height < test.height:  # else the test_* metrics are on the same games
        metrics |= {
            f"test_market_games_{k}": v
            for k, v in score(target, y[has_market], predicted[has_market]).items()
        }
    if with_market.height:
        metrics |= {
            f"baseline_market_{k}": v
            for k, v in score(
                target, with_market["label"].to_numpy(), with_market["market_prediction"].to_numpy()
            ).items()
        }
    return metrics
