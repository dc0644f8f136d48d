"""`mlb evaluate`: score a target's champion on the most recent window as of an instant,
with calibration and betting results, logged to MLflow as an evaluation run."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from mlbcore.data.snapshot import Snapshot
from mlbcore.errors import MlbError
from mlbcore.evaluation.betting import BettingRules, BettingSummary, bets, betting_summary
from mlbcore.features.market import bet_prices
from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.features.timing import result_known_at_utc
from mlbcore.settings import Settings
from mlbcore.targets import Target
from mlbcore.training.labels import labelled_games
from mlbcore.training.metrics import primary_score, score
from mlbcore.training.trainer import calibration_table
from mlbcore.training.windows import coverage, require_positive_days


@dataclass
class Evaluation:
    target: Target
    model_uri: str
    as_of: datetime
    start_utc: datetime
    games: int
    metrics: dict[str, float]
    calibration: pl.DataFrame
    betting: BettingSummary | None  # None for targets that are not bet (run totals)
    bets: pl.DataFrame
    run_id: str
    scored: pl.DataFrame  # per game: date, first pitch, label, prediction, market_prediction
    notices: list[str] = field(default_factory=list)


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


def parse_as_of(text: str | None, now: datetime | None = None) -> datetime:
    """``--as-of``: an ISO date or date-time (UTC unless it says otherwise); default now.
    A bare date means the end of that day, UTC."""
    if text is None:
        return now or datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise MlbError(f"--as-of must be an ISO date or date-time, got {text!r}") from None
    if len(text) == 10:
        parsed = parsed + timedelta(days=1) - timedelta(microseconds=1)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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
    return (
        scored.select("game_id", "date", "first_pitch_utc", "prob", won_a=pl.col("label"))
        .join(at_cutoff.select("game_id", price_a=f"price_{a}", price_b=f"price_{b}"), on="game_id")
        .join(at_close.select("game_id", close_a=f"price_{a}", close_b=f"price_{b}"), on="game_id")
        .drop_nulls(["price_a", "price_b"])
    )


def evaluate(
    settings: Settings,
    target: Target,
    days: int = 7,
    as_of: datetime | None = None,
    data: Path | str | None = None,
    model: str = "champion",
    log: bool = True,
    loaded: tuple[Snapshot, pl.DataFrame] | None = None,
) -> Evaluation:
    """Score the model on the window before ``as_of``; ``log`` it as an MLflow
    evaluation run (off for reports, which only read)."""
    import mlflow

    from mlbcore import tracking
    from mlbcore.prediction import model_uri
    from mlbcore.training.pipeline import data_and_features

    require_positive_days(days)
    as_of = as_of or datetime.now(UTC)
    snapshot, features = data_and_features(settings, data, loaded)
    window = evaluation_window(features, snapshot.games, as_of, days)
    labelled = labelled_games(window, snapshot.games, target)
    if labelled.is_empty():
        raise MlbError(
            f"no finished games in the {days} days before {as_of:%Y-%m-%d %H:%M} UTC; "
            f"{coverage(snapshot.games['date'])} (pass --as-of inside it)"
        )
    experiment_id = tracking.configure(settings)
    uri = model_uri(target, model)
    booster = mlflow.lightgbm.load_model(uri)
    notices = _seen_in_training(uri, labelled)
    predicted = booster.predict(labelled.select(FEATURE_NAMES).to_numpy().astype(np.float64))
    y = labelled["label"].to_numpy()
    metrics = score(target, y, predicted)
    market = labelled["market_prediction"]
    if market.null_count() < market.len():
        priced = labelled.with_columns(pl.Series("predicted", predicted)).drop_nulls(
            "market_prediction"
        )
        metrics |= {
            f"market_{k}": v
            for k, v in score(
                target, priced["label"].to_numpy(), priced["market_prediction"].to_numpy()
            ).items()
        }
    calibration = calibration_table(target, y, predicted)
    placed, summary = pl.DataFrame(), None
    if target.is_binary:
        rules = BettingRules(**settings.betting.model_dump())
        with_prob = labelled.with_columns(prob=pl.Series(predicted))
        placed = bets(
            betting_frame(target, with_prob, snapshot.odds_lines, settings.market_book), rules
        )
        summary = betting_summary(placed)
    scored = labelled.select(
        "game_id", "date", "first_pitch_utc", "label", "market_prediction"
    ).with_columns(prediction=pl.Series(predicted))
    from mlbcore import charts

    figures = {
        "calibration": charts.calibration_chart(target, calibration, "window's games"),
        "metrics_over_time": charts.metrics_over_time_chart(target, daily_metrics(target, scored)),
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
            labelled.height,
            metrics,
            summary,
            calibration,
            figures,
        )
    )
    return Evaluation(
        target,
        uri,
        as_of,
        as_of - timedelta(days=days),
        labelled.height,
        metrics,
        calibration,
        summary,
        placed,
        run_id,
        scored,
        notices,
    )


def _seen_in_training(uri: str, labelled: pl.DataFrame) -> list[str]:
    """A warning when some of the window's games fall in the model's training window:
    its metrics on them are optimistic, not a test."""
    from mlflow import MlflowClient

    name, version = uri.removeprefix("models:/").split("/")
    client = MlflowClient()
    params = client.get_run(str(client.get_model_version(name, version).run_id)).data.params
    start = datetime.fromisoformat(params["window_start_date"]).date()
    end = datetime.fromisoformat(params["window_end_date"]).date()
    seen = labelled.filter(pl.col("date").is_between(start, end)).height
    if not seen:
        return []
    return [
        f"{seen} of the {labelled.height} games are inside the model's training window "
        f"({start}..{end}): its metrics on them are optimistic; pass an --as-of and --days "
        "after that window for an honest test"
    ]


def _log(
    settings: Settings, experiment_id: str, target: Target, uri: str, as_of: datetime, days: int,
    data_version: str, games: int, metrics: dict[str, float], betting: BettingSummary | None,
    calibration: pl.DataFrame, figures: dict[str, Any],
) -> str:  # fmt: skip
    import mlflow

    tags: dict[str, Any] = {
        "target": target.value,
        "run_type": "evaluation",
        "evaluated_model": uri,
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
                "games": games,
                **{f"betting_{k}": v for k, v in settings.betting.model_dump().items()},
            }
        )
        mlflow.log_metrics(
            {f"eval_{k}": v for k, v in metrics.items()}
            | {f"betting_{k}": v for k, v in betting_metrics.items() if v == v}
        )
        mlflow.log_dict({"calibration": calibration.to_dicts()}, "calibration.json")
        from mlbcore.charts import log_to_mlflow

        log_to_mlflow(figures)
        return str(run.info.run_id)
