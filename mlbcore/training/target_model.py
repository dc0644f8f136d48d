"""One target's model as shipped: a *market* part boosted from the market's price at the
cutoff, and a *market-free* part for games the market did not price.

A game with a price (a non-null offset) is scored by the market part: the link of the
offset (recalibrated, when training chose to) plus its trees' raw score; a market part of
zero rounds is the market itself, or its recalibration. A
game without one is scored by the market-free part, trained on every game with schedule
and results features only. ``predict`` is the one place this rule lives: training,
`mlb predict`, evaluate, the lifecycle and the MLflow pyfunc all call it.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl

from mlbcore.errors import BackendError
from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.files import shown
from mlbcore.targets import Target
from mlbcore.training.market_offset import (
    IDENTITY,
    OFFSET_SOURCE,
    OffsetCalibration,
    link,
    market_offset,
)

MARKET, MARKET_FREE = "market", "market_free"
PARTS = (MARKET, MARKET_FREE)
_METADATA, _MARKET_FILE, _MARKET_FREE_FILE = "metadata.json", "market.txt", "market_free.txt"
FORMAT_VERSION = 2  # 2: the offset's calibration (absent in 1: the identity)


def feature_matrix(
    frame: pl.DataFrame, feature_names: tuple[str, ...] = FEATURE_NAMES
) -> np.ndarray:
    """The model inputs of ``frame``'s games, in the order the models were trained on."""
    return frame.select(feature_names).to_numpy().astype(np.float64)


def rounds_text(rounds: int) -> str:
    return f"{rounds} round" if rounds == 1 else f"{rounds} rounds"


@dataclass
class TargetModel:
    """Both parts of a target's model and the rule choosing between them.

    ``objective`` is LightGBM's (binary, regression or poisson) and names the link.
    ``uses_market`` off means every game is scored by the market-free part (the quality
    bench's market-free variant); a shipped model always uses the market."""

    target: Target
    objective: str
    market_free: lgb.Booster
    market_free_features: tuple[str, ...]
    market_free_rounds: int
    market: lgb.Booster | None  # None: zero rounds, the market's own price
    market_features: tuple[str, ...]
    market_rounds: int
    uses_market: bool = True
    # Applied to the market's offset before the trees: fitted on the training games.
    offset_calibration: OffsetCalibration = IDENTITY
    # LightGBM threads in ``predict`` (TRAINING__NUM_THREADS): the machine's, not the
    # model's, so never saved; its default, every core, spins under load.
    num_threads: int = 1

    @property
    def input_features(self) -> tuple[str, ...]:
        """Every column ``predict`` reads, in registry order where it can."""
        wanted = {*self.market_free_features, *self.market_features}
        if self.uses_market:
            wanted.add(OFFSET_SOURCE[self.target])
        ordered = [name for name in FEATURE_NAMES if name in wanted]
        return (*ordered, *sorted(wanted - set(ordered)))

    def offset(self, frame: pl.DataFrame) -> np.ndarray:
        """Each game's offset, recalibrated (NaN where the market had no price, or the
        model ignores it)."""
        if not self.uses_market:
            return np.full(frame.height, np.nan)
        return self.offset_calibration.apply(market_offset(frame, self.target, self.objective))

    def priced(self, frame: pl.DataFrame) -> np.ndarray:
        """True for the games the market part scores."""
        return np.isfinite(self.offset(frame))

    def parts(self, frame: pl.DataFrame) -> pl.Series:
        """``scored_by``: which part scored each game of ``frame``."""
        return pl.Series("scored_by", np.where(self.priced(frame), MARKET, MARKET_FREE))

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        """The prediction of every game of ``frame`` (probability or runs), each scored by
        its part: both parts run once over their games, chosen by a mask."""
        offset = self.offset(frame)
        priced = np.isfinite(offset)
        predicted = np.empty(frame.height, dtype=np.float64)
        if priced.any():
            raw = offset[priced]
            if self.market is not None:
                x = feature_matrix(frame, self.market_features)[priced]
                raw = raw + self.market.predict(x, raw_score=True, num_threads=self.num_threads)
            predicted[priced] = link(raw, self.objective)
        if (~priced).any():
            x = feature_matrix(frame, self.market_free_features)[~priced]
            predicted[~priced] = np.asarray(
                self.market_free.predict(x, num_threads=self.num_threads)
            )
        return predicted

    def importance(self) -> pl.DataFrame:
        """Gain and split importance per part (``part``, ``feature``, ``gain``, ``split``,
        ``gain_share`` within the part), sorted by part then gain. A market part of zero
        rounds has no trees and no rows."""
        frames = []
        for part, booster, names in (
            (MARKET, self.market, self.market_features),
            (MARKET_FREE, self.market_free, self.market_free_features),
        ):
            if booster is None or (part == MARKET and not self.uses_market):
                continue
            gain = booster.feature_importance("gain").astype(np.float64)
            total = gain.sum()
            frames.append(
                pl.DataFrame(
                    {
                        "part": part,
                        "feature": list(names),
                        "gain": gain,
                        "split": booster.feature_importance("split").astype(np.int64),
                        "gain_share": gain / total if total > 0 else gain,
                    }
                ).sort("gain", descending=True, maintain_order=True)
            )
        return pl.concat(frames)

    def drift_gain(self) -> dict[str, float]:
        """The gain importance drift compares: the market part's when it has trees, else
        the market-free part's."""
        part = MARKET if self.market is not None and self.uses_market else MARKET_FREE
        table = self.importance().filter(pl.col("part") == part)
        return dict(zip(table["feature"], table["gain"], strict=True))

    @property
    def market_words(self) -> str:
        """What the market part is, in words: the market, its recalibration, or either
        boosted some rounds."""
        base = "the market" if self.offset_calibration.is_identity else "the recalibrated market"
        return f"{base} + {rounds_text(self.market_rounds)}" if self.market_rounds else base

    @property
    def main_part(self) -> str:
        return MARKET if self.uses_market else MARKET_FREE

    def metadata(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "target": self.target.value,
            "objective": self.objective,
            "uses_market": self.uses_market,
            "offset_source": OFFSET_SOURCE[self.target] if self.uses_market else None,
            "offset_intercept": self.offset_calibration.intercept,
            "offset_slope": self.offset_calibration.slope,
            "market_rounds": self.market_rounds,
            "market_features": list(self.market_features),
            "market_free_rounds": self.market_free_rounds,
            "market_free_features": list(self.market_free_features),
        }

    def to_strings(self) -> dict[str, str]:
        """File name -> text: the metadata as JSON and each booster's model string."""
        files = {
            _METADATA: json.dumps(self.metadata(), indent=2),
            _MARKET_FREE_FILE: self.market_free.model_to_string(),
        }
        if self.market is not None:
            files[_MARKET_FILE] = self.market.model_to_string()
        return files

    @classmethod
    def from_strings(cls, files: dict[str, str], num_threads: int = 1) -> "TargetModel":
        meta = json.loads(files[_METADATA])
        market = files.get(_MARKET_FILE)
        return cls(
            target=Target(meta["target"]),
            objective=meta["objective"],
            market_free=lgb.Booster(model_str=files[_MARKET_FREE_FILE]),
            market_free_features=tuple(meta["market_free_features"]),
            market_free_rounds=int(meta["market_free_rounds"]),
            market=lgb.Booster(model_str=market) if market is not None else None,
            market_features=tuple(meta["market_features"]),
            market_rounds=int(meta["market_rounds"]),
            uses_market=bool(meta["uses_market"]),
            offset_calibration=OffsetCalibration(
                float(meta.get("offset_intercept", 0.0)), float(meta.get("offset_slope", 1.0))
            ),
            num_threads=num_threads,
        )

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in self.to_strings().items():
            (folder / name).write_text(text)
        return folder

    @classmethod
    def load(cls, folder: Path, num_threads: int = 1) -> "TargetModel":
        """The model saved in ``folder``; ``BackendError`` when a file is missing, cut
        short or not what it should be (a full disk, an interrupted copy)."""
        names = (_METADATA, _MARKET_FILE, _MARKET_FREE_FILE)
        try:
            files = {n: (folder / n).read_text() for n in names if (folder / n).is_file()}
            missing = [n for n in (_METADATA, _MARKET_FREE_FILE) if n not in files]
            short = [n for n in names[1:] if n in files and not _whole(files[n])]
            if not missing and not short:
                return cls.from_strings(files, num_threads)
            damage = ", ".join(
                [f"{n} is missing" for n in missing] + [f"{n} is cut short" for n in short]
            )
        except (OSError, ValueError, KeyError, TypeError, lgb.basic.LightGBMError) as error:
            damage = " ".join(str(error).split())[:160] or type(error).__name__
        raise BackendError(
            f"the model saved in {shown(folder)} is damaged ({damage}); "
            "train a new one with `mlb train`"
        )


def _whole(booster: str) -> bool:
    """LightGBM reads a model string cut anywhere after its header without complaint, with
    the trees it got. A whole one, as its Python package writes it, ends with the line
    ``pandas_categorical:JSON``."""
    last = booster.rstrip("\n").rpartition("\n")[2]
    if "end of trees" not in booster or not last.startswith("pandas_categorical:"):
        return False
    try:
        json.loads(last.removeprefix("pandas_categorical:"))
    except ValueError:
        return False
    return True
