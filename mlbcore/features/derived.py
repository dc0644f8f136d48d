"""Features built from other features: sharp money, market efficiency, differentials and
interactions. Each is a small named expression so its lineage reads from its inputs."""

import polars as pl

from mlbcore.features.declared import Feature


def month() -> pl.Expr:
    return pl.col("date").dt.month().cast(pl.Int8)


def weekday() -> pl.Expr:
    return pl.col("date").dt.weekday().cast(pl.Int8)  # Monday = 1


def is_night() -> pl.Expr:
    return (pl.col("day_night") == "N").cast(pl.Int8)


def doubleheader_game() -> pl.Expr:
    return pl.col("doubleheader").cast(pl.Int8)


def ml_sharp_intensity() -> pl.Expr:
    """Money share minus ticket share on the home moneyline: big bettors' lean, in points."""
    return pl.col("splits_ml_home_money_pct") - pl.col("splits_ml_home_ticket_pct")


def over_sharp_intensity() -> pl.Expr:
    return pl.col("splits_over_money_pct") - pl.col("splits_over_ticket_pct")


def market_efficiency() -> pl.Expr:
    """Share of a fair payout the book returns: 1 / (1 + overround); 1.0 is a vig-free market."""
    return 1.0 / (1.0 + pl.col("market_overround"))


def differential(name: str) -> pl.Expr:
    """Home minus away for a per-side feature."""
    return pl.col(f"home_{name}") - pl.col(f"away_{name}")


def log5_home_prob() -> pl.Expr:
    """Bill James' log5 head-to-head probability from both Pythagorean records."""
    home, away = pl.col("home_pythagorean_win_pct"), pl.col("away_pythagorean_win_pct")
    return home * (1 - away) / (home * (1 - away) + away * (1 - home))


def ml_sharp_vs_public() -> pl.Expr:
    """Sharp lean against the public's side: positive when money goes home while most
    tickets go away, or the reverse; (money - tickets) x (50 - tickets) / 100."""
    return ml_sharp_intensity() * (50.0 - pl.col("splits_ml_home_ticket_pct")) / 100.0


def consensus_vs_form() -> pl.Expr:
    """Market's no-vig home probability minus the teams' form (log5 of Pythagorean records)."""
    return pl.col("market_no_vig_home_prob") - log5_home_prob()


# Declared output columns with their expressions (the registry is built from these). Each
# expression is looked up when the features are built, not here: a test plants a leak by
# replacing one of the functions above.
CALENDAR = (
    Feature(
        "month", "temporal", "schedule", "calendar month of the game (local date)", lambda: month()
    ),
    Feature("weekday", "temporal", "schedule", "day of the week, Monday = 1", lambda: weekday()),
    Feature("is_night", "temporal", "schedule", "1 for a night game", lambda: is_night()),
    Feature(
        "doubleheader_game",
        "temporal",
        "schedule",
        "0 single game, 1 or 2 of a doubleheader",
        lambda: doubleheader_game(),
    ),
)


def _difference(name: str, of: str, source: str, text: str) -> Feature:
    return Feature(name, "derived", source, f"home minus away {text}", lambda: differential(of))


DERIVED = (
    Feature(
        "ml_sharp_intensity",
        "derived",
        "splits",
        "home money % minus home ticket %",
        lambda: ml_sharp_intensity(),
    ),
    Feature(
        "over_sharp_intensity",
        "derived",
        "splits",
        "over money % minus over ticket %",
        lambda: over_sharp_intensity(),
    ),
    Feature(
        "market_efficiency",
        "derived",
        "market",
        "1 / (1 + overround): share of a fair payout returned",
        lambda: market_efficiency(),
    ),
    _difference("win_pct_diff", "win_pct", "results", "season win %"),
    _difference("pythagorean_diff", "pythagorean_win_pct", "results", "Pythagorean expectation"),
    _difference(
        "run_diff_per_game_diff", "run_diff_per_game", "results", "run differential per game"
    ),
    _difference("last10_win_pct_diff", "last10_win_pct", "results", "last-10 win %"),
    _difference(
        "sp_runs_allowed_per_9_diff",
        "sp_runs_allowed_per_9",
        "results",
        "starter runs allowed per 9",
    ),
    _difference("rest_days_diff", "days_since_last_game", "results", "days since last game"),
    _difference("sp_fip_diff", "sp_fip", "players", "starter FIP-like composite"),
    _difference("lineup_obp_diff", "lineup_obp", "lineups", "lineup on-base rate"),
    _difference("lineup_iso_diff", "lineup_iso", "lineups", "lineup isolated power"),
    _difference(
        "blended_run_diff_diff",
        "blended_run_diff_per_game",
        "results",
        "blended run differential per game",
    ),
    Feature(
        "log5_home_prob",
        "derived",
        "results",
        "log5 head-to-head home probability from Pythagorean records",
        lambda: log5_home_prob(),
    ),
    Feature(
        "ml_sharp_vs_public",
        "interaction",
        "splits",
        "sharp lean against the public's moneyline side",
        lambda: ml_sharp_vs_public(),
    ),
    Feature(
        "consensus_vs_form",
        "interaction",
        "market",
        "market home probability minus log5 form probability",
        lambda: consensus_vs_form(),
    ),
)
