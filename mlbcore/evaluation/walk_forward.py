"""Walk-forward evaluation: at the start of each month, train on every earlier game and
predict that month's games, so every prediction is out of sample and made with what was
known then. Settings come from time-series CV inside each training set, never from the
months being predicted."""

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from mlbcore.features.registry import FEATURES
from mlbcore.settings import Settings
from mlbcore.targets import Target
from mlbcore.training.trainer import cross_validated_fit, lightgbm_params

# Team, pitcher and schedule features only: what a model knows without the market.
MARKET_FREE_FEATURES: tuple[str, ...] = tuple(
    f.name for f in FEATURES if f.source in ("schedule", "results")
)


@dataclass(frozen=True)
class Variant:
    target: Target
    features: tuple[str, ...]
    label: str


def month_starts(season: int, first_month: int = 4, last_month: int = 10) -> list[date]:
    return [date(season, m, 1) for m in range(first_month, last_month + 1)]


def walk_forward(
    labelled: pl.DataFrame, variant: Variant, months: list[date], settings: Settings
) -> pl.DataFrame:
    """Out-of-sample predictions for every labelled game in ``months``: ``game_id``,
    ``month``, ``label``, ``prediction``, ``rounds`` (chosen by CV), ``n_train`` and the
    training ``base_rate`` (label mean)."""
    params = lightgbm_params(
        variant.target, settings.model_for(variant.target), settings.training.seed
    )
    columns = list(variant.features)
    parts = []
    for start, end in zip(months, [*months[1:], None], strict=True):
        train = labelled.filter(pl.col("date") < start)
        test = labelled.filter(
            (pl.col("date") >= start) & ((pl.col("date") < end) if end else pl.lit(True))
        )
        if test.is_empty():
            continue
        booster, rounds, _ = cross_validated_fit(
            variant.target,
            train.select(columns).to_numpy().astype(np.float64),
            train["label"].to_numpy(),
            train["date"],
            params,
            settings.training,
            variant.features,
        )
        parts.append(
            test.select("game_id", "date", "label").with_columns(
                month=pl.lit(start),
                prediction=pl.Series(
                    booster.predict(test.select(columns).to_numpy().astype(np.float64))
                ),
                rounds=pl.lit(rounds),
                base_rate=pl.lit(float(train["label"].mean())),  # type: ignore[arg-type]
                n_train=pl.lit(train.height),
            )
        )
    return pl.concat(parts)
