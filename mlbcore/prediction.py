"""Scoring games with registered models: `mlb predict`.

Each target's model comes from the MLflow registry: the version with the ``champion``
alias, else the newest version; or the model logged by a given run. Every game in the
date range gets a prediction, however little history it has; its completeness says how
much the model had to go on.
"""

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from mlbcore.errors import MlbError
from mlbcore.features.registry import FEATURE_NAMES, FEATURE_SET_VERSION
from mlbcore.settings import Settings
from mlbcore.targets import Target
from mlbcore.tracking import registered_model_name

MARKET_COLUMNS = ("market_no_vig_home_prob", "market_total", "market_no_vig_over_prob")


def prediction_column(target: Target) -> str:
    return f"{target.value}_prob" if target.is_binary else f"{target.value}_runs"


def model_uri(target: Target, model: str) -> str:
    """The registry URI of ``target``'s model: ``champion`` or an MLflow run id."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient()
    name = registered_model_name(target.value)
    if model != "champion":
        if not re.fullmatch(r"[0-9a-f]{32}", model):
            raise MlbError(
                f"--model must be champion or an MLflow run id (32 hex digits), got {model!r}"
            )
        versions = client.search_model_versions(f"name='{name}' and run_id='{model}'")
        if not versions:
            raise MlbError(f"run {model} logged no {name} model; pick a run id of that target")
        return f"models:/{name}/{versions[0].version}"
    try:
        registered = client.get_registered_model(name)
    except MlflowException:
        raise MlbError(f"no registered model {name} yet; run `mlb train` first") from None
    if "champion" in registered.aliases:
        # The version itself, not the alias: runs that record it stay true after a promotion.
        return f"models:/{name}/{registered.aliases['champion']}"
    versions = client.search_model_versions(f"name='{name}'")
    if not versions:
        raise MlbError(f"no version of {name} yet; run `mlb train` first")
    return f"models:/{name}/{max(int(v.version) for v in versions)}"


@dataclass
class Predictions:
    """The scored games, the registry URI of each target's model, and the data's notices."""

    frame: pl.DataFrame
    model_uris: dict[Target, str]
    notices: tuple[str, ...]

    def columns_by_target(self) -> dict[str, tuple[str, str]]:
        """Target -> (its prediction column, its model URI), for the predictions table."""
        return {t.value: (prediction_column(t), uri) for t, uri in self.model_uris.items()}


def predict_games(
    settings: Settings,
    targets: list[Target],
    start: date,
    end: date,
    data: Path | str | None = None,
    model: str = "champion",
) -> Predictions:
    """One row per game with first pitch on a local date in ``start..end``: identity,
    completeness, each target's prediction and the market's view at the cutoff."""
    import mlflow

    from mlbcore import tracking
    from mlbcore.training.pipeline import features_for, load_data
    from mlbcore.training.windows import coverage

    if end < start:
        raise MlbError(f"--end {end} is before --start {start}")
    snapshot = load_data(settings, data)
    features = features_for(snapshot, settings).filter(pl.col("date").is_between(start, end))
    if features.is_empty():
        raise MlbError(f"no games from {start} to {end}; {coverage(snapshot.games['date'])}")
    tracking.configure(settings)
    x = features.select(FEATURE_NAMES).to_numpy().astype(np.float64)
    predictions, model_uris = {}, {}
    for target in targets:
        uri = model_uri(target, model)
        model_uris[target] = uri
        booster = mlflow.lightgbm.load_model(uri)
        if list(booster.feature_name()) != list(FEATURE_NAMES):
            raise MlbError(
                f"the {target} model was trained on another feature set than "
                f"{FEATURE_SET_VERSION}; retrain it with `mlb train`"
            )
        predictions[prediction_column(target)] = booster.predict(x)
    frame = features.select(
        "game_id", "date", "home_team", "away_team", "first_pitch_utc", "completeness"
    ).with_columns(
        *[pl.Series(name, values) for name, values in predictions.items()],
        *[features[c] for c in MARKET_COLUMNS],
    )
    return Predictions(frame, model_uris, snapshot.notices)


def output_format(out: Path) -> str:
    """``.csv`` or ``.parquet``, checked before any work is done."""
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise MlbError(f"--out must end in .csv or .parquet, got {out.name}")
    return suffix


def write_predictions(frame: pl.DataFrame, out: Path) -> None:
    """CSV or Parquet by the file's suffix, written to a temporary file then renamed."""
    from mlbcore.files import write_atomically

    suffix = output_format(out)
    write_atomically(out, frame.write_csv if suffix == ".csv" else frame.write_parquet)
