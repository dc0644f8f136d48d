"""The score a tuning trial minimises: the target's primary metric (log loss, RMSE) of
every game of the tuning seasons, each month predicted by the model `mlb train --as-of`
would ship on its 1st (``walk_forward_shipped``), the seasons all before the first
season the quality bench scores. The running score after each month goes to the
pruner."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from mlbcore.errors import MlbError
from mlbcore.evaluation.walk_forward import (
    SCORED_SEASONS,
    Variant,
    month_starts,
    walk_forward_shipped,
)
from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.settings import Settings
from mlbcore.targets import PRIMARY_METRIC, Target
from mlbcore.training.labels import labelled_games
from mlbcore.training.metrics import primary_score

# Seasons a study walks through by default: as many as the quality bench scores. On one
# season (about 2,400 games) the best of 50 trials fitted that season's noise and did not
# carry to the bench's seasons (README, "Scaling out").
DEFAULT_TUNING_SEASONS = len(SCORED_SEASONS)


@dataclass(frozen=True)
class TuningSeasons:
    """The seasons a study walks through, and a line saying why these."""

    seasons: tuple[int, ...]
    why: str
    priced: bool = False  # whether the market priced games of these seasons


def data_seasons(games: pl.DataFrame) -> list[int]:
    return sorted(games["date"].dt.year().unique().to_list())


def tuning_seasons(
    features: pl.DataFrame,
    games: pl.DataFrame,
    target: Target,
    asked: Sequence[int] | None,
    real_games: bool,
    allow_scored: bool = False,
) -> TuningSeasons:
    """``asked`` (each in the data), else the data's last ``DEFAULT_TUNING_SEASONS``
    seasons before the bench's first scored season (2011-2013 on the real data). Real
    games of a scored season are refused unless ``allow_scored``: settings chosen on them
    would be judged on the games that chose them. The demo data (one synthetic season,
    never benchmarked) tunes on its latest season and says so."""
    available = data_seasons(games)
    first_scored = SCORED_SEASONS[0]
    if asked:
        missing = sorted(set(asked) - set(available))
        if missing:
            raise MlbError(
                f"--seasons {missing[0]} is not in the data (its seasons: "
                f"{', '.join(map(str, available))})"
            )
        overlap = sorted(set(asked) & set(SCORED_SEASONS))
        if real_games and overlap and not allow_scored:
            raise MlbError(
                f"--seasons {overlap[0]} is a season the quality bench scores "
                f"({', '.join(map(str, SCORED_SEASONS))}): settings tuned on it would be judged "
                "on the games that chose them; tune on earlier seasons, or pass "
                "--allow-scored-seasons to do it anyway"
            )
        seasons = tuple(sorted(set(asked)))
        why = "as asked (--seasons)"
    else:
        before = [season for season in available if season < first_scored]
        if before:
            seasons = tuple(before[-DEFAULT_TUNING_SEASONS:])
            why = (
                f"the last {len(seasons)} season(s) before the quality bench's first scored "
                f"season ({first_scored})"
            )
        elif real_games:
            raise MlbError(
                f"the data has no season before {first_scored}, the quality bench's first "
                "scored season; import earlier seasons, or name seasons with --seasons"
            )
        else:
            seasons = (available[-1],)
            why = (
                "the data's latest season: the demo data has none before "
                f"{first_scored}, and the quality bench never scores it"
            )
    labelled = labelled_games(features, games, target).filter(
        pl.col("date").dt.year().is_in(list(seasons))
    )
    if labelled.is_empty():
        raise MlbError(
            f"{target} has no labelled games in {', '.join(map(str, seasons))} (over/under "
            "needs the market's total); name seasons that have them with --seasons"
        )
    priced = bool(labelled["market_prediction"].is_not_null().any())
    return TuningSeasons(seasons, why, priced)


@dataclass
class WalkScore:
    score: float
    games: int
    months: int
    running: list[float] = field(default_factory=list)  # after each month


def walk_score(
    target: Target,
    features: pl.DataFrame,
    games: pl.DataFrame,
    seasons: Sequence[int],
    settings: Settings,
    report: Callable[[int, float], None] = lambda _step, _score: None,
) -> WalkScore:
    """The primary metric of the walk through ``seasons`` with ``settings``; ``report``
    gets (month number from 0, score so far) after each month and may raise to stop."""
    running: list[float] = []
    metric_of = _scorer(target)

    def after_month(so_far: pl.DataFrame) -> None:
        running.append(metric_of(so_far))
        report(len(running) - 1, running[-1])

    variant = Variant(target, FEATURE_NAMES, "tuned")
    parts = []
    for season in seasons:
        walked = walk_forward_shipped(
            features, games, variant, month_starts(season), settings,
            until=date(season + 1, 1, 1), skip_untrainable=True, judged=False,
            on_month=lambda so_far, done=tuple(parts): after_month(pl.concat([*done, so_far])),
        )  # fmt: skip
        parts.append(walked.predictions)
    predictions = pl.concat(parts)
    return WalkScore(metric_of(predictions), predictions.height, len(running), running)


def _scorer(target: Target) -> Callable[[pl.DataFrame], float]:
    def metric_of(predictions: pl.DataFrame) -> float:
        return primary_score(
            target, predictions["label"].to_numpy(), predictions["prediction"].to_numpy()
        )

    return metric_of


def metric_words(target: Target) -> str:
    """The primary metric as people read it: "log loss", "rmse"."""
    return PRIMARY_METRIC[target].replace("_", " ")


def trial_settings(settings: Settings, target: Target, config: Any, threads: int) -> Settings:
    """``settings`` with ``config`` as ``target``'s model config and ``threads`` LightGBM
    threads per fit."""
    models = settings.models.model_copy(update={target.value: config})
    training = settings.training.model_copy(update={"num_threads": threads})
    return settings.model_copy(update={"models": models, "training": training})
