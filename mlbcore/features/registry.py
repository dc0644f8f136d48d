"""Every model feature in one place: name, category and a one-line description.

``FEATURE_SET_VERSION`` is logged with every model and keys any feature cache; bump
``FEATURE_SET_REVISION`` whenever a feature's meaning changes (a change of names or order
changes the version by itself).
"""

import hashlib
from dataclasses import dataclass

# 2: park factor over a fixed look-back (3 prior seasons + season to date); market movement
# missing, not constant, for books with only an open and a close (SBR)
# 3: starting pitcher strength and lineup strength from prior seasons' splits (shrunk toward
# the league's), pitching workload from team game lines, the prior season's run differential
# and a blend toward it; quality columns mark players without a prior season
FEATURE_SET_REVISION = 3


@dataclass(frozen=True)
class Feature:
    name: str
    category: str  # temporal, travel, park, team, pitcher, lineup, workload, market, splits,
    # derived, interaction
    source: str  # what data it needs: one of SOURCES
    description: str


_SIDE_TEAM = [
    ("games_played", "games played this season before the cutoff"),
    ("win_pct", "season-to-date win %"),
    ("runs_scored_per_game", "season-to-date runs scored per game"),
    ("runs_allowed_per_game", "season-to-date runs allowed per game"),
    ("run_diff_per_game", "season-to-date run differential per game"),
    ("pythagorean_win_pct", "season-to-date Pythagorean expectation (exponent 1.83)"),
    ("last10_win_pct", "win % over the last 10 finished games (across seasons)"),
    ("last10_runs_scored_per_game", "runs scored per game over the last 10 games"),
    ("last10_runs_allowed_per_game", "runs allowed per game over the last 10 games"),
    ("venue_win_pct", "season-to-date win % at home (home team) or on the road (away team)"),
]
_SIDE_TEMPORAL = [
    ("days_since_last_game", "days since the team's last finished game (1 = played yesterday)"),
    ("games_last_7d", "finished games in the 7 days before the cutoff"),
]
_SIDE_PITCHER = [
    ("sp_starts", "the starting pitcher's starts this season"),
    ("sp_runs_allowed_per_start", "team runs allowed per start in his starts this season"),
    ("sp_runs_allowed_per_9", "team runs allowed per 9 innings in his starts this season"),
    ("sp_team_win_pct", "team win % in his starts this season"),
    ("sp_last3_runs_allowed_per_start", "team runs allowed per start over his last 3 starts"),
    ("sp_days_since_last_start", "days since his previous start"),
]


_SIDE_STARTER_STRENGTH = [
    (
        "sp_k_rate",
        "starter's strikeouts per batter faced: prior seasons shrunk toward the league's,"
        " plus his team's lines in his starts this season finished by the cutoff",
    ),
    ("sp_bb_rate", "starter's walks and hit batters per batter faced, as sp_k_rate"),
    ("sp_hr_rate", "starter's home runs per batter faced, as sp_k_rate"),
    ("sp_fip", "starter's FIP-like composite per batter faced: 13 HR + 3 BB - 2 K rates"),
    ("sp_prior_batters_faced", "batters the starter faced in the 3 prior seasons"),
    ("sp_throws_left", "1 if the starter throws left-handed, 0 right (prior seasons' splits)"),
]
_SIDE_LINEUP = [
    (
        "lineup_obp",
        "starting nine's mean on-base rate (H+BB+HBP)/PA against the opposing starter's hand,"
        " prior seasons shrunk toward the league's (both hands when his is unknown)",
    ),
    ("lineup_iso", "starting nine's mean isolated power (TB-H)/AB, as lineup_obp"),
    ("lineup_prior_share", "share of the starting nine with a prior season in the splits"),
]
_SIDE_WORKLOAD = [
    ("pitches_last_1d", "pitches the team threw the day before (and earlier today, if over)"),
    ("pitches_last_3d", "pitches the team threw in the 3 days before (and earlier today)"),
    ("batters_faced_last_3d", "batters the team's pitchers faced in the 3 days before"),
]
_SIDE_CARRYOVER = [
    ("prior_season_run_diff_per_game", "run differential per game in the previous season"),
    (
        "blended_run_diff_per_game",
        "run differential per game to date regressed toward the previous season's"
        " (which counts as 30 games)",
    ),
]


_NO_MOVES_AT_SBR = "; missing where the book keeps only an open and a close (SBR)"


def _sided(items: list[tuple[str, str]], category: str, source: str) -> list[Feature]:
    return [
        Feature(f"{side}_{name}", category, source, f"{side} team: {text}")
        for side in ("home", "away")
        for name, text in items
    ]


FEATURES: tuple[Feature, ...] = (
    Feature("month", "temporal", "schedule", "calendar month of the game (local date)"),
    Feature("weekday", "temporal", "schedule", "day of the week, Monday = 1"),
    Feature("is_night", "temporal", "schedule", "1 for a night game"),
    Feature("doubleheader_game", "temporal", "schedule", "0 single game, 1 or 2 of a doubleheader"),
    *_sided(_SIDE_TEMPORAL, "temporal", "results"),
    Feature(
        "home_tz_shift_hours",
        "travel",
        "schedule",
        "home team: time zones crossed since its last game, east positive",
    ),
    Feature(
        "away_tz_shift_hours",
        "travel",
        "schedule",
        "away team: time zones crossed since its last game, east positive",
    ),
    Feature(
        "park_run_factor",
        "park",
        "results",
        "runs per game at this park / league's, shrunk toward 1, over the games finished by"
        " the cutoff in the 3 prior seasons and this season to date",
    ),
    *_sided(_SIDE_TEAM, "team", "results"),
    *_sided(_SIDE_PITCHER, "pitcher", "results"),
    *_sided(_SIDE_STARTER_STRENGTH, "pitcher", "players"),
    *_sided(_SIDE_LINEUP, "lineup", "lineups"),
    *_sided(_SIDE_WORKLOAD, "workload", "workload"),
    *_sided(_SIDE_CARRYOVER, "team", "results"),
    Feature("market_no_vig_home_prob", "market", "market", "home win probability, vig removed"),
    Feature("market_overround", "market", "market", "moneyline margin: implied probabilities - 1"),
    Feature(
        "market_home_prob_move",
        "market",
        "market",
        "no-vig home probability change since the opening line" + _NO_MOVES_AT_SBR,
    ),
    Feature(
        "market_moneyline_moves",
        "market",
        "market",
        "moneyline lines posted up to the cutoff" + _NO_MOVES_AT_SBR,
    ),
    Feature(
        "market_minutes_since_last_move",
        "market",
        "market",
        "minutes from the last moneyline post to the cutoff" + _NO_MOVES_AT_SBR,
    ),
    Feature("market_total", "market", "market", "total runs line"),
    Feature(
        "market_no_vig_over_prob",
        "market",
        "market",
        "over probability at the total line, vig removed",
    ),
    Feature(
        "market_total_move",
        "market",
        "market",
        "total line change since the opening line" + _NO_MOVES_AT_SBR,
    ),
    Feature(
        "market_total_moves",
        "market",
        "market",
        "total lines posted up to the cutoff" + _NO_MOVES_AT_SBR,
    ),
    Feature(
        "market_run_line_home", "market", "market", "home run line (-1.5 favourite, +1.5 underdog)"
    ),
    Feature(
        "market_run_line_no_vig_home_prob",
        "market",
        "market",
        "probability the home side covers the run line, vig removed",
    ),
    Feature(
        "splits_ml_home_ticket_pct",
        "splits",
        "splits",
        "share of moneyline tickets on the home team, %",
    ),
    Feature(
        "splits_ml_home_money_pct",
        "splits",
        "splits",
        "share of moneyline money on the home team, %",
    ),
    Feature("splits_over_ticket_pct", "splits", "splits", "share of total tickets on the over, %"),
    Feature("splits_over_money_pct", "splits", "splits", "share of total money on the over, %"),
    Feature("ml_sharp_intensity", "derived", "splits", "home money % minus home ticket %"),
    Feature("over_sharp_intensity", "derived", "splits", "over money % minus over ticket %"),
    Feature(
        "market_efficiency",
        "derived",
        "market",
        "1 / (1 + overround): share of a fair payout returned",
    ),
    Feature("win_pct_diff", "derived", "results", "home minus away season win %"),
    Feature("pythagorean_diff", "derived", "results", "home minus away Pythagorean expectation"),
    Feature(
        "run_diff_per_game_diff", "derived", "results", "home minus away run differential per game"
    ),
    Feature("last10_win_pct_diff", "derived", "results", "home minus away last-10 win %"),
    Feature(
        "sp_runs_allowed_per_9_diff",
        "derived",
        "results",
        "home minus away starter runs allowed per 9",
    ),
    Feature("rest_days_diff", "derived", "results", "home minus away days since last game"),
    Feature("sp_fip_diff", "derived", "players", "home minus away starter FIP-like composite"),
    Feature("lineup_obp_diff", "derived", "lineups", "home minus away lineup on-base rate"),
    Feature("lineup_iso_diff", "derived", "lineups", "home minus away lineup isolated power"),
    Feature(
        "blended_run_diff_diff",
        "derived",
        "results",
        "home minus away blended run differential per game",
    ),
    Feature(
        "log5_home_prob",
        "derived",
        "results",
        "log5 head-to-head home probability from Pythagorean records",
    ),
    Feature(
        "ml_sharp_vs_public",
        "interaction",
        "splits",
        "sharp lean against the public's moneyline side",
    ),
    Feature(
        "consensus_vs_form",
        "interaction",
        "market",
        "market home probability minus log5 form probability",
    ),
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
