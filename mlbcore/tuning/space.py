"""What `mlb tune` searches: the LightGBM settings of a target's ``ModelConfig`` and its
model-quality choices (the market offset; the run total's objective), each range holding
the current defaults so that the current settings are a point of the space (trial 0)."""

from typing import Any

import optuna

from mlbcore.formatting import significant
from mlbcore.settings import ModelConfig
from mlbcore.targets import Target

# (low, high, log scale). The defaults (7 leaves, rate 0.02, 200 per leaf, l1 0, l2 20)
# sit inside; l1 and l2 are linear because 0 (no penalty) must be a value.
INT_RANGES: dict[str, tuple[int, int, bool]] = {
    "num_leaves": (2, 64, True),
    "min_data_in_leaf": (5, 1000, True),
}
FLOAT_RANGES: dict[str, tuple[float, float, bool]] = {
    "learning_rate": (0.005, 0.2, True),
    "lambda_l1": (0.0, 10.0, False),
    "lambda_l2": (0.0, 100.0, False),
    "feature_fraction": (0.3, 1.0, False),
    "bagging_fraction": (0.5, 1.0, False),
}
MARKET_OFFSETS = ("cv", "market", "recalibrated")
OBJECTIVES = ("regression", "poisson")
# Short names for progress lines.
SHORT = {
    "num_leaves": "leaves",
    "learning_rate": "rate",
    "min_data_in_leaf": "min/leaf",
    "lambda_l1": "l1",
    "lambda_l2": "l2",
    "feature_fraction": "features",
    "bagging_fraction": "bagging",
    "market_offset": "offset",
    "objective": "objective",
}


def tuned_names(target: Target, with_market: bool) -> tuple[str, ...]:
    """The settings a study of ``target`` searches. The market offset only when the
    tuning seasons have market prices: without them it changes nothing, and a value
    chosen by noise must not be applied."""
    names = [*INT_RANGES, *FLOAT_RANGES]
    if with_market:
        names.append("market_offset")
    if target is Target.RUN_TOTAL_REGRESSION:
        names.append("objective")
    return tuple(names)


def suggest(trial: optuna.Trial, names: tuple[str, ...]) -> dict[str, Any]:
    """One point of the space, asked of ``trial`` (an enqueued trial gets its fixed values)."""
    values: dict[str, Any] = {}
    for name in names:
        if name in INT_RANGES:
            low, high, log = INT_RANGES[name]
            values[name] = trial.suggest_int(name, low, high, log=log)
        elif name in FLOAT_RANGES:
            low_f, high_f, log = FLOAT_RANGES[name]
            values[name] = trial.suggest_float(name, low_f, high_f, log=log)
        elif name == "market_offset":
            values[name] = trial.suggest_categorical(name, MARKET_OFFSETS)
        else:
            values[name] = trial.suggest_categorical(name, OBJECTIVES)
    return values


def current_values(config: ModelConfig, names: tuple[str, ...]) -> dict[str, Any]:
    """The searched settings as ``config`` has them: trial 0 of a new study."""
    dumped = config.model_dump()
    return {name: dumped[name] for name in names}


def with_values(config: ModelConfig, values: dict[str, Any]) -> ModelConfig:
    """``config`` with ``values`` in place, validated as any config is."""
    return type(config).model_validate({**config.model_dump(), **values})


def short(values: dict[str, Any]) -> str:
    """``values`` on one line for people: "leaves 7, rate 0.02, min/leaf 200, ..."."""
    shown = []
    for name, value in values.items():
        text = significant(value, 3) if isinstance(value, float) else str(value)
        shown.append(f"{SHORT.get(name, name)} {text}")
    return ", ".join(shown)
