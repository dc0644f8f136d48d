"""Scoring a slate as of each game's cutoff: every game by the champion that was in place
at its cutoff (``tracking.champion_as_of``), never by a model trained later.

A slate's games share a handful of cutoffs, and those a handful of champions: the
registry's history is read once per target, and each distinct model loaded once.
"""

from typing import TYPE_CHECKING

import polars as pl

from mlbcore import tracking
from mlbcore.features.registry import FEATURE_NAMES, FEATURE_SET_VERSION
from mlbcore.settings import Settings
from mlbcore.targets import Target
from mlbcore.tracking import Champion

if TYPE_CHECKING:
    from mlbcore.training.target_model import TargetModel

NO_CHAMPION = "no champion trained by then"

# A registered version never changes: a model read once serves every later slate of this
# process (the app's sessions, a bench's repeats), keyed by the store it came from.
_LOADED: dict[tuple[str, str], "TargetModel"] = {}

SCORED_SCHEMA = {
    "game_id": pl.String,
    "model": pl.Float64,
    "model_version": pl.Int64,
    "scored_by": pl.String,
    "model_why": pl.String,
}


def loaded_model(settings: Settings, champion: Champion) -> "TargetModel":
    """``champion``'s model, read from the registry the first time this process needs it."""
    key = (settings.tracking_uri, champion.uri)
    if key not in _LOADED:
        _LOADED[key] = tracking.load_model(champion.uri, settings.training.num_threads)
    return _LOADED[key]


def champions_at_cutoffs(
    target: Target, source: str, cutoffs: pl.Series
) -> dict[object, Champion | None]:
    """Each distinct cutoff (UTC) -> the champion in place then, or None. Call
    ``tracking.configure`` first."""
    history = tracking.version_history(target, source)
    return {
        cutoff: tracking.champion_as_of(target, source, cutoff, history)
        for cutoff in cutoffs.unique().to_list()
    }


def score_as_of_cutoffs(
    settings: Settings, target: Target, source: str, features: pl.DataFrame
) -> pl.DataFrame:
    """One row per game of ``features`` (which carry ``cutoff_utc``): the model's
    probability of side A (home, over) or its runs (``model``), the version and the part
    that scored it, or ``model_why`` when no model could."""
    if features.is_empty():
        return pl.DataFrame(schema=SCORED_SCHEMA)
    tracking.configure(settings)
    at_cutoff = champions_at_cutoffs(target, source, features["cutoff_utc"])
    versions = pl.DataFrame(
        {
            "cutoff_utc": list(at_cutoff),
            "model_version": [c.version if c else None for c in at_cutoff.values()],
        },
        schema={"cutoff_utc": features.schema["cutoff_utc"], "model_version": pl.Int64},
    )
    chosen = features.join(versions, on="cutoff_utc", how="left", maintain_order="left")
    champions = {c.version: c for c in at_cutoff.values() if c is not None}
    scored = [
        chosen.filter(pl.col("model_version").is_null()).select(
            "game_id",
            pl.lit(None, pl.Float64).alias("model"),
            "model_version",
            pl.lit(None, pl.String).alias("scored_by"),
            pl.lit(NO_CHAMPION).alias("model_why"),
        )
    ]
    for version, champion in sorted(champions.items()):  # a loop over models, not games
        games = chosen.filter(pl.col("model_version") == version)
        scored.append(_scored_by(settings, champion, games))
    return (
        pl.concat([s.cast(SCORED_SCHEMA) for s in scored])  # pyright: ignore[reportArgumentType]  # polars' cast takes a plain mapping of dtypes
        .join(features.select("game_id"), on="game_id", how="right")
        .select(*SCORED_SCHEMA)
    )


def _scored_by(settings: Settings, champion: Champion, games: pl.DataFrame) -> pl.DataFrame:
    """``games`` scored by ``champion``; a model of another feature set scores none."""
    model = loaded_model(settings, champion)
    if not set(model.input_features) <= set(FEATURE_NAMES):
        return games.select(
            "game_id",
            pl.lit(None, pl.Float64).alias("model"),
            "model_version",
            pl.lit(None, pl.String).alias("scored_by"),
            pl.lit(
                f"v{champion.version} was trained on another feature set than "
                f"{FEATURE_SET_VERSION}: retrain"
            ).alias("model_why"),
        )
    return games.select(
        "game_id",
        pl.Series("model", model.predict(games), dtype=pl.Float64),
        "model_version",
        model.parts(games).alias("scored_by"),
        pl.lit(None, pl.String).alias("model_why"),
    )
