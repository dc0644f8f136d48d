"""How a feature builder declares its output columns: name, category, source and a one-line
description, next to the code that computes them. The registry is assembled from these
declarations, so each name is written once, in its builder's module."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import polars as pl

SIDES = ("home", "away")


@dataclass(frozen=True)
class Feature:
    name: str
    category: str  # temporal, travel, park, team, pitcher, lineup, workload, market, splits,
    # derived, interaction
    source: str  # what data it needs: one of registry.SOURCES
    description: str
    # For a feature computed from other features' columns: its expression, so the builder
    # adds it by this name (``with_columns(**expressions(...))``).
    expression: Callable[[], pl.Expr] | None = field(default=None, compare=False, repr=False)


def per_side(category: str, source: str, described: Mapping[str, str]) -> tuple[Feature, ...]:
    """One feature per side and name: every ``home_`` feature, then every ``away_`` one."""
    return tuple(
        Feature(f"{side}_{name}", category, source, f"{side} team: {text}")
        for side in SIDES
        for name, text in described.items()
    )


def of_side(features: tuple[Feature, ...], side: str) -> tuple[str, ...]:
    """The names of ``side``'s features among ``features``."""
    return tuple(f.name for f in features if f.name.startswith(f"{side}_"))


def expressions(features: tuple[Feature, ...]) -> dict[str, pl.Expr]:
    """Each computed feature's expression under its name."""
    return {f.name: f.expression() for f in features if f.expression is not None}
