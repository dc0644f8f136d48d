"""Features built from other features: sharp money, market efficiency, differentials and
interactions. Each is a small named expression so its lineage reads from its inputs."""

import polars as pl


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
