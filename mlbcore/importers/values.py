"""Range rules the importers share: a value that parses but cannot be true (a price of 0,
a total of NaN, a game in the year 2999) makes its row malformed, named and skipped like
one that does not parse, never a crash and never a row stored."""

import polars as pl

# From the first professional league to a bound far past any real file: a year outside
# is a typo or damage, not a season.
FIRST_SEASON, LAST_SEASON = 1871, 2100
# American odds are -100 or less, or +100 or more: |price| < 100 is not a price.
MIN_PRICE = 100


def season_problem(instant: pl.Expr, text: pl.Expr, what: str) -> pl.Expr:
    """A reason when the parsed date or time ``instant`` is of no plausible season."""
    year = instant.dt.year()
    return pl.when(instant.is_not_null() & ~year.is_between(FIRST_SEASON, LAST_SEASON)).then(
        pl.format(f"{what} {{}} is not in a season {FIRST_SEASON}-{LAST_SEASON}", text)
    )


def price(text: pl.Expr) -> pl.Expr:
    """American odds from a cell that may say "-115", "-115.0" or "1e30": null where it is
    not a whole number that fits, or is not a price."""
    number = text.cast(pl.Float64, strict=False)
    whole = number.is_finite() & (number == number.round(0))
    odds = pl.when(whole).then(number).cast(pl.Int32, strict=False)
    return pl.when(odds.abs() >= MIN_PRICE).then(odds)


def price_problem(text: pl.Expr, what: str) -> pl.Expr:
    """A reason when a non-empty cell is not a price (see ``price``)."""
    return pl.when(text.is_not_null() & price(text).is_null()).then(
        pl.format(f"{what} {{}} is not a price (American odds, at least 100 either way)", text)
    )


def finite(text: pl.Expr) -> pl.Expr:
    """A number of runs (a total, a run line) from a cell: null unless finite."""
    number = text.cast(pl.Float64, strict=False)
    return pl.when(number.is_finite()).then(number)


def finite_problem(text: pl.Expr, what: str) -> pl.Expr:
    """A reason when a non-empty cell is not a finite number ("nan", "inf", "x")."""
    return pl.when(text.is_not_null() & finite(text).is_null()).then(
        pl.format(f"{what} {{}} is not a finite number", text)
    )
