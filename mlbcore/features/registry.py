"""Every model feature in one place, assembled from what each builder declares: name,
category, source and a one-line description (``declared.Feature``).

``FEATURE_SET_VERSION`` is logged with every model and keys any feature cache; bump
``FEATURE_SET_REVISION`` whenever a feature's meaning changes (a change of names or order
changes the version by itself).
"""

import hashlib

from mlbcore.features import (
    derived,
    lineup_strength,
    market,
    park_travel,
    pitcher_form,
    starting_pitcher,
    team_carryover,
    team_form,
    workload,
)
from mlbcore.features.declared import Feature

# 2: park factor over a fixed look-back (3 prior seasons + season to date); market movement
# missing, not constant, for books with only an open and a close (SBR)
# 3: starting pitcher strength and lineup strength from prior seasons' splits (shrunk toward
# the league's), pitching workload from team game lines, the prior season's run differential
# and a blend toward it; quality columns mark players without a prior season
FEATURE_SET_REVISION = 3

# The order is the models' column order (and part of the version): new features go last.
FEATURES: tuple[Feature, ...] = (
    *derived.CALENDAR,
    *team_form.REST,
    *park_travel.TRAVEL,
    *park_travel.PARK,
    *team_form.FORM,
    *pitcher_form.FEATURES,
    *starting_pitcher.FEATURES,
    *lineup_strength.FEATURES,
    *workload.FEATURES,
    *team_carryover.FEATURES,
    *market.MARKET,
    *market.SPLITS,
    *derived.DERIVED,
)

FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)

FEATURE_SET_VERSION = (
    f"v{FEATURE_SET_REVISION}-" + hashlib.sha256(",".join(FEATURE_NAMES).encode()).hexdigest()[:8]
)

# Team, pitcher and schedule features only: what a model knows without the market (the
# market-free part of every target's model, and the quality bench's market-free variant).
MARKET_FREE_FEATURES: tuple[str, ...] = tuple(
    f.name for f in FEATURES if f.source not in ("market", "splits")
)

# Names ``missing_features`` may hold beside features: markers of a value that is present
# but stands in for missing evidence (the league's prior for a starter, or a lineup,
# without a prior season).
QUALITY_MARKERS: tuple[str, ...] = tuple(
    f"{side}_{marker}"
    for side in ("home", "away")
    for marker in ("sp_prior_season", "lineup_prior_season")
)

# Sources and the features that need them: a game lacking a source lacks those features.
# players: pitcher splits (and team lines in his starts); lineups: the starting nines with
# batter splits; workload: team game lines.
SOURCES: tuple[str, ...] = (
    "schedule",
    "results",
    "market",
    "splits",
    "players",
    "lineups",
    "workload",
)

# What ``sources`` may name beside SOURCES: each side whose pitcher features describe the
# announced starter.
LISTED_STARTERS: tuple[str, ...] = ("home_starter_listed", "away_starter_listed")
