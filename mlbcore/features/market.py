"""The betting market as of each game's cutoff: prices, their movement, and the public's
betting splits.

Each market (moneyline, total, run line) is looked up on its own, on the last line at or
before the cutoff that priced it, because real books leave a market empty at times.
"""

from collections.abc import Callable

import polars as pl

from mlbcore.features.declared import Feature
from mlbcore.features.odds import no_vig_prob, overround

_NO_MOVES_AT_SBR = "; missing where the book keeps only an open and a close (SBR)"

# Declared output columns (the registry is built from these).
MARKET = tuple(
    Feature(name, "market", "market", text)
    for name, text in {
        "market_no_vig_home_prob": "home win probability, vig removed",
        "market_overround": "moneyline margin: implied probabilities - 1",
        "market_home_prob_move": "no-vig home probability change since the opening line"
        + _NO_MOVES_AT_SBR,
        "market_moneyline_moves": "moneyline lines posted up to the cutoff" + _NO_MOVES_AT_SBR,
        "market_minutes_since_last_move": "minutes from the last moneyline post to the cutoff"
        + _NO_MOVES_AT_SBR,
        "market_total": "total runs line",
        "market_no_vig_over_prob": "over probability at the total line, vig removed",
        "market_total_move": "total line change since the opening line" + _NO_MOVES_AT_SBR,
        "market_total_moves": "total lines posted up to the cutoff" + _NO_MOVES_AT_SBR,
        "market_run_line_home": "home run line (-1.5 favourite, +1.5 underdog)",
        "market_run_line_no_vig_home_prob": (
            "probability the home side covers the run line, vig removed"
        ),
    }.items()
)
SPLITS = tuple(
    Feature(name, "splits", "splits", text)
    for name, text in {
        "splits_ml_home_ticket_pct": "share of moneyline tickets on the home team, %",
        "splits_ml_home_money_pct": "share of moneyline money on the home team, %",
        "splits_over_ticket_pct": "share of total tickets on the over, %",
        "splits_over_money_pct": "share of total money on the over, %",
    }.items()
)

MARKETS = {
    "moneyline": ("moneyline_home", "moneyline_away"),
    "total": ("total", "over_price", "under_price"),
    "run_line": ("run_line_home", "run_line_home_price", "run_line_away_price"),
}


# Sharp books first: their prices move on information; a fixed order (never counts of
# lines, which future games would change) keeps each game's features a function of the past.
DEFAULT_BOOK_PRIORITY = ("pinnacle", "demo_book", "sbr")

# Books whose data holds only an opening and a closing line (the SBR archive): what a line
# did before the cutoff is unknown there, so its movement features are missing. Computed,
# they would be constants (no move, one post, 23 h since it) that a model would read as a
# quiet market at a book that posts every change.
OPEN_AND_CLOSE_BOOKS = frozenset({"sbr"})


def book_priority(odds_lines: pl.DataFrame, book: str | None) -> list[str]:
    """Books in the order a game's market features prefer them: the configured book,
    then ``DEFAULT_BOOK_PRIORITY``, then any other book alphabetically."""
    present = set(odds_lines["book"].unique().to_list())
    order = [b for b in (book, *DEFAULT_BOOK_PRIORITY) if b]
    return [b for b in dict.fromkeys(order) if b in present] + sorted(present - set(order))


def _priced_lines(odds_lines: pl.DataFrame, market: str) -> pl.DataFrame:
    columns = MARKETS[market]
    return (
        odds_lines.filter(pl.all_horizontal(pl.col(c).is_not_null() for c in columns))
        # Every column in the sort: lines posted in the same instant order the same way
        # every time, so the line "at the cutoff" is always the same one.
        .sort("game_id", "entered_at_utc", *odds_lines.columns)
        .with_columns(moves=pl.int_range(1, pl.len() + 1).over("game_id"))
    )


def _at_cutoff_and_open(
    games: pl.DataFrame, lines: pl.DataFrame, values: dict[str, pl.Expr]
) -> pl.DataFrame:
    """``values`` of each game's last line at or before its cutoff and of its first line."""
    keyed = lines.select("game_id", "entered_at_utc", "moves", **values)
    at_cutoff = (
        games.select("game_id", "cutoff_utc")
        .sort("cutoff_utc")
        .join_asof(
            keyed,
            left_on="cutoff_utc",
            right_on="entered_at_utc",
            by="game_id",
            check_sortedness=False,
        )
    )
    opening = (
        keyed.group_by("game_id")
        .first()
        .select("game_id", *[pl.col(name).alias(f"open_{name}") for name in values])
    )
    # An opening line counts only if the game had a line by its cutoff (then it did too).
    return at_cutoff.join(opening, on="game_id", how="left").with_columns(
        *[pl.when(pl.col("moves").is_not_null()).then(pl.col(f"open_{name}")) for name in values]
    )


def market_features(
    games: pl.DataFrame, odds_lines: pl.DataFrame, book: str | None
) -> pl.DataFrame:
    """Prices at the cutoff; one row per game (nulls where no book had a line by then).

    Every feature of a game comes from one book, the first in ``book_priority`` with a
    line by the cutoff, so prices and their movement are never mixed across books.
    """
    has_line = (
        pl.col("market_no_vig_home_prob").is_not_null() | pl.col("market_total").is_not_null()
    )
    return _by_book_priority(games, odds_lines, book, _book_features, has_line)


def _by_book_priority(
    games: pl.DataFrame,
    odds_lines: pl.DataFrame,
    book: str | None,
    one_book: Callable[[pl.DataFrame, pl.DataFrame, str], pl.DataFrame],
    present: pl.Expr,
) -> pl.DataFrame:
    """``one_book(games, lines, name)`` for each book, keeping per game the first book in
    ``book_priority`` order where ``present`` holds."""
    per_book = [
        one_book(games, odds_lines.filter(pl.col("book") == name), name).with_columns(
            priority=pl.lit(rank)
        )
        for rank, name in enumerate(book_priority(odds_lines, book))
    ]
    if not per_book:  # no lines at all: the columns, all null
        per_book = [one_book(games, odds_lines, "").with_columns(priority=pl.lit(0))]
    return _first_by_priority(games, per_book, present)


def _first_by_priority(
    games: pl.DataFrame, candidates: list[pl.DataFrame], present: pl.Expr
) -> pl.DataFrame:
    """Per game, the row of the highest-priority candidate where ``present`` holds, so
    all of a game's values come from one source; nulls where none has anything."""
    best = (
        pl.concat(candidates)
        .filter(present)
        .sort("priority")
        .group_by("game_id", maintain_order=True)
        .first()
        .drop("priority")
    )
    return games.select("game_id").join(best, on="game_id", how="left")


def _book_features(games: pl.DataFrame, lines: pl.DataFrame, book: str) -> pl.DataFrame:
    """One book's prices at the cutoff, and how they moved since its opening line (missing
    for ``OPEN_AND_CLOSE_BOOKS``)."""
    moves_known = pl.lit(book not in OPEN_AND_CLOSE_BOOKS)

    def movement(value: pl.Expr) -> pl.Expr:
        return pl.when(moves_known).then(value)

    moneyline = _at_cutoff_and_open(
        games,
        _priced_lines(lines, "moneyline"),
        {
            "home_prob": no_vig_prob(pl.col("moneyline_home"), pl.col("moneyline_away")),
            "overround": overround(pl.col("moneyline_home"), pl.col("moneyline_away")),
        },
    )
    total = _at_cutoff_and_open(
        games,
        _priced_lines(lines, "total"),
        {
            "total": pl.col("total"),
            "over_prob": no_vig_prob(pl.col("over_price"), pl.col("under_price")),
        },
    )
    run_line = _at_cutoff_and_open(
        games,
        _priced_lines(lines, "run_line"),
        {
            "run_line": pl.col("run_line_home"),
            "run_line_prob": no_vig_prob(
                pl.col("run_line_home_price"), pl.col("run_line_away_price")
            ),
        },
    )
    return (
        moneyline.select(
            "game_id",
            market_no_vig_home_prob=pl.col("home_prob"),
            market_overround=pl.col("overround"),
            market_home_prob_move=movement(pl.col("home_prob") - pl.col("open_home_prob")),
            market_moneyline_moves=movement(pl.col("moves")),
            market_minutes_since_last_move=movement(
                (pl.col("cutoff_utc") - pl.col("entered_at_utc")).dt.total_seconds() / 60.0
            ),
        )
        .join(
            total.select(
                "game_id",
                market_total=pl.col("total"),
                market_no_vig_over_prob=pl.col("over_prob"),
                market_total_move=movement(pl.col("total") - pl.col("open_total")),
                market_total_moves=movement(pl.col("moves")),
            ),
            on="game_id",
        )
        .join(
            run_line.select(
                "game_id",
                market_run_line_home=pl.col("run_line"),
                market_run_line_no_vig_home_prob=pl.col("run_line_prob"),
            ),
            on="game_id",
        )
    )


def splits_features(games: pl.DataFrame, betting_splits: pl.DataFrame) -> pl.DataFrame:
    """The public's share of tickets and money at the cutoff (moneyline home, total over),
    all from one source per game: the first, alphabetically, with a capture by then."""
    sources = sorted(betting_splits["source"].unique().to_list())
    per_source = [
        _source_splits(games, betting_splits.filter(pl.col("source") == source)).with_columns(
            priority=pl.lit(rank)
        )
        for rank, source in enumerate(sources)
    ]
    if not per_source:
        return _source_splits(games, betting_splits)
    has_capture = pl.any_horizontal(
        pl.col(c).is_not_null() for c in per_source[0].columns if c.startswith("splits_")
    )
    return _first_by_priority(games, per_source, has_capture)


def _source_splits(games: pl.DataFrame, betting_splits: pl.DataFrame) -> pl.DataFrame:
    frame = games.select("game_id", "cutoff_utc").sort("cutoff_utc")
    for market, side, prefix in (
        ("moneyline", "home", "splits_ml_home"),
        ("total", "over", "splits_over"),
    ):
        captures = (
            betting_splits.filter((pl.col("market") == market) & (pl.col("side") == side))
            .sort("captured_at_utc", "ticket_pct", "money_pct")
            .select(
                "game_id",
                "captured_at_utc",
                pl.col("ticket_pct").alias(f"{prefix}_ticket_pct"),
                pl.col("money_pct").alias(f"{prefix}_money_pct"),
            )
        )
        frame = frame.join_asof(
            captures,
            left_on="cutoff_utc",
            right_on="captured_at_utc",
            by="game_id",
            check_sortedness=False,
        ).drop("captured_at_utc")
    return frame.drop("cutoff_utc")


def bet_prices(games: pl.DataFrame, odds_lines: pl.DataFrame, book: str | None) -> pl.DataFrame:
    """The prices a bettor could take at each game's ``cutoff_utc`` (American odds for
    both moneyline sides and both sides of the total, with the total line), from one book
    per game in ``book_priority`` order. To get closing prices, pass games whose
    ``cutoff_utc`` is their first pitch."""
    present = pl.col("price_home").is_not_null() | pl.col("price_over").is_not_null()
    return _by_book_priority(games, odds_lines, book, _book_prices, present)


def _book_prices(games: pl.DataFrame, lines: pl.DataFrame, book: str) -> pl.DataFrame:
    """One book's moneyline and total prices at the cutoff (the same for every ``book``)."""
    moneyline = _at_cutoff_and_open(
        games,
        _priced_lines(lines, "moneyline"),
        {"price_home": pl.col("moneyline_home"), "price_away": pl.col("moneyline_away")},
    ).select("game_id", "price_home", "price_away")
    total = _at_cutoff_and_open(
        games,
        _priced_lines(lines, "total"),
        {
            "total_line": pl.col("total"),
            "price_over": pl.col("over_price"),
            "price_under": pl.col("under_price"),
        },
    ).select("game_id", "total_line", "price_over", "price_under")
    return moneyline.join(total, on="game_id", how="left")
