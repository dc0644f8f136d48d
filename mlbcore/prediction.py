"""Scoring games with registered models: `mlb predict`.

Each target's model comes from the MLflow registry: the champion for the source of the
games being scored (there is no fallback to an unpromoted version), or the model logged by
a given run. Every game in the
date range gets a prediction, however little history it has; its completeness says how
much the model had to go on.
"""

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from mlbcore import tracking
from mlbcore.data.source import load_data
from mlbcore.db.tables import PredictionColumns
from mlbcore.errors import MlbError
from mlbcore.feature_cache.cached_features import features_for
from mlbcore.feature_cache.store import CacheStats
from mlbcore.features.registry import FEATURE_NAMES, FEATURE_SET_VERSION
from mlbcore.files import shown, writable_file, write_atomically
from mlbcore.settings import Settings
from mlbcore.targets import Target
from mlbcore.tracking import REGISTERED_MODEL_PREFIX, require_champion
from mlbcore.training.windows import coverage

MARKET_COLUMNS = ("market_no_vig_home_prob", "market_total", "market_no_vig_over_prob")


def prediction_column(target: Target) -> str:
    return f"{target.value}_prob" if target.is_binary else f"{target.value}_runs"


def scored_by_column(target: Target) -> str:
    """Which part of the target's model scored the game: market or market_free."""
    return f"{target.value}_scored_by"


def model_uri(target: Target, model: str, source: str) -> tuple[str, list[str]]:
    """The registry URI of ``target``'s model for ``source``'s games, ``champion`` or the
    model an MLflow run logged, and notices to show with it. A run's model trained on
    another source's games is used (it was named) and the notice says so."""
    from mlflow import MlflowClient

    client = MlflowClient()
    if model == "champion":
        return require_champion(target, source).uri, []
    if not re.fullmatch(r"[0-9a-f]{32}", model):
        raise MlbError(
            f"--model must be champion or an MLflow run id (32 hex digits), got {model!r}"
        )
    suffix = f"-{target.value}"
    versions = [
        v
        for v in client.search_model_versions(f"run_id='{model}'")
        if v.name.startswith(REGISTERED_MODEL_PREFIX) and v.name.endswith(suffix)
    ]
    if not versions:
        raise MlbError(f"run {model} logged no {target} model; pick a run id of that target")
    version = versions[0]
    trained_on = version.name.removeprefix(REGISTERED_MODEL_PREFIX).removesuffix(suffix)
    notices = []
    if trained_on != source:
        notices.append(
            f"the {target} model of run {model} was trained on {trained_on} data and is "
            f"scoring {source} games, because --model named it"
        )
    if (version.tags or {}).get("rejected_reason"):
        notices.append(f"this model was not promoted: {version.tags['rejected_reason']}")
    return f"models:/{version.name}/{version.version}", notices


@dataclass
class Predictions:
    """The scored games, the registry URI of each target's model, and the notices to show
    with them: the data's, the feature cache's (as `mlb train` shows them) and the models'."""

    frame: pl.DataFrame
    model_uris: dict[Target, str]
    notices: tuple[str, ...]

    def games_by_part(self) -> dict[Target, dict[str, int]]:
        """Per target, how many games each part of its model scored."""
        counts = {}
        for target in self.model_uris:
            name = scored_by_column(target)
            column = self.frame[name].value_counts()
            counts[target] = dict(zip(column[name], column["count"], strict=True))
        return counts

    def columns_by_target(self) -> dict[str, PredictionColumns]:
        """Target -> its prediction and scored_by columns and its model URI, for the
        predictions table."""
        return {
            t.value: PredictionColumns(prediction_column(t), scored_by_column(t), uri)
            for t, uri in self.model_uris.items()
        }


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
    if end < start:
        raise MlbError(f"--end {end} is before --start {start}")
    snapshot = load_data(settings, data)
    cache = CacheStats()
    features = features_for(snapshot, settings, cache).filter(pl.col("date").is_between(start, end))
    if features.is_empty():
        raise MlbError(f"no games from {start} to {end}; {coverage(snapshot.games['date'])}")
    tracking.configure(settings)
    predictions, model_uris, notices = {}, {}, [*snapshot.notices, *cache.lines()]
    for target in targets:
        uri, model_notices = model_uri(target, model, snapshot.games_source)
        notices += model_notices
        model_uris[target] = uri
        target_model = tracking.load_model(uri, settings.training.num_threads)
        if not set(target_model.input_features) <= set(FEATURE_NAMES):
            raise MlbError(
                f"the {target} model was trained on another feature set than "
                f"{FEATURE_SET_VERSION}; retrain it with `mlb train`"
            )
        predictions[prediction_column(target)] = pl.Series(target_model.predict(features))
        predictions[scored_by_column(target)] = target_model.parts(features)
    frame = features.select(
        "game_id", "date", "home_team", "away_team", "first_pitch_utc", "completeness"
    ).with_columns(
        *[values.alias(name) for name, values in predictions.items()],
        *[features[c] for c in MARKET_COLUMNS],
    )
    return Predictions(frame, model_uris, tuple(notices))


def output_format(out: Path) -> str:
    """``.csv`` or ``.parquet``, checked before any work is done, as is that the file's
    folder takes files."""
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise MlbError(f"--out must end in .csv or .parquet, got {shown(out.name)}")
    writable_file(out, "--out")
    return suffix


def write_predictions(frame: pl.DataFrame, out: Path) -> None:
    """CSV or Parquet by the file's suffix, written to a temporary file then renamed."""
    suffix = output_format(out)
    write_atomically(out, frame.write_csv if suffix == ".csv" else frame.write_parquet)
