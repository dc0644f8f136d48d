"""`mlb evaluate`: score a target's champion on the most recent window as of an instant,
with calibration and betting results, logged to MLflow as an evaluation run."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from mlbcore.data.snapshot import Snapshot
from mlbcore.errors import MlbError
from mlbcore.evaluation.betting import BettingRules, BettingSummary, bets, betting_summary
from mlbcore.features.market import bet_prices
from mlbcore.features.timing import result_known_at_utc
from mlbcore.settings import Settings
from mlbcore.targets import Target
from mlbcore.training.bootstrap import Interval, compare_frame
from mlbcore.training.labels import labelled_games
from mlbcore.training.metrics import PRIMARY_METRIC, primary_score, score
from mlbcore.training.target_model import TargetModel
from mlbcore.training.trainer import calibration_table
from mlbcore.training.windows import coverage, require_positive_days

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
    # per game: date, first pitch, label, prediction, market_prediction, scored_by
    scored: pl.DataFrame

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


def score_part(
    target: Target, label: str, labelled: pl.DataFrame, model: TargetModel
) -> ScoredPart:
    """``model``'s predictions of ``labelled`` with the part that scored each game;
    metrics, the market on the same (priced) games with the interval of the difference,
    and calibration, for one part of an evaluation."""
    predicted = model.predict(labelled)
    scored = labelled.select(
        "game_id", "date", "first_pitch_utc", "label", "market_prediction"
    ).with_columns(
        prediction=pl.Series(predicted, dtype=pl.Float64), scored_by=model.parts(labelled)
    )
    y = scored["label"].to_numpy()
    metrics = score(target, y, predicted) if scored.height else {}
    priced = scored.drop_nulls("market_prediction")
    vs_market = None
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
    calibration = calibration_table(target, y, predicted)
    return ScoredPart(label, scored.height, metrics, priced.height, vs_market, calibration, scored)


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
    uri, notices = model_uri(target, model, snapshot.games_source)
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
    model = tracking.load_model(uri)
    part = score_part(target, OUT_OF_SAMPLE, unseen, model)
    in_sample = score_part(target, IN_SAMPLE, seen, model) if include_in_sample else None
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
    from mlbcore import charts

    figures = {}
    if part.games:
        figures = {
            "calibration": charts.calibration_chart(target, part.calibration, "window's games"),
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
    )


def _log(
    settings: Settings, experiment_id: str, target: Target, uri: str, as_of: datetime, days: int,
    data_version: str, part: ScoredPart, in_sample: ScoredPart | None,
    betting: BettingSummary | None, figures: dict[str, Any],
) -> str:  # fmt: skip
    """An evaluation run: eval_* are out-of-sample metrics only; in-sample ones, when asked
    for, are logged apart as in_sample_* and counted in the ``in_sample_games`` tag."""
    import mlflow

    tags: dict[str, Any] = {
        "target": target.value,
        "run_type": "evaluation",
        "evaluated_model": uri,
        "in_sample_games": str(in_sample.games if in_sample else 0),
    }
    if part.vs_market is not None:
        tags["verdict_vs_market"] = part.vs_market.verdict
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
            }
        )
        metrics = {f"eval_{k}": v for k, v in part.metrics.items()}
        if part.vs_market is not None:
            metrics |= part.vs_market.as_dict(f"eval_vs_market_{part.vs_market.metric}_")
        if in_sample is not None:
            metrics |= {f"in_sample_{k}": v for k, v in in_sample.metrics.items()}
        metrics |= {f"betting_{k}": v for k, v in betting_metrics.items() if v == v}
        mlflow.log_metrics(metrics)
        mlflow.log_dict({"calibration": part.calibration.to_dicts()}, "calibration.json")
        from mlbcore.charts import log_to_mlflow

        log_to_mlflow(figures)
        return str(run.info.run_id)
