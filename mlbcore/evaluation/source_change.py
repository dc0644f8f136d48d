"""A change of data source, told apart from drift: a feature that was (almost) all
missing in the training window and is present in the recent one (a new feed such as
betting splits appearing), or the reverse, and a change in which books priced the games.

Such a change moves a feature's distribution for a reason that is not the game changing:
the model never saw the new source (or loses one it leaned on). The verdict names it as
"data source changed", and the features it explains are not judged as drift.
"""

from dataclasses import dataclass, field

import polars as pl

from mlbcore.features.registry import FEATURES

# A feature missing on at least this share of a window's games counts as absent there,
# and present at most at ``PRESENT_MISSING`` missing.
ABSENT_MISSING = 0.95
PRESENT_MISSING = 0.5
# A book's share of priced games moving by this much (absolute) is a change of book mix.
BOOK_SHARE_MOVE = 0.25
MARKET_FEATURES = frozenset(f.name for f in FEATURES if f.source == "market")


@dataclass
class SourceChange:
    features: set[str] = field(default_factory=set)  # explained by the change, not judged
    reasons: list[str] = field(default_factory=list)


def missing_shares(frame: pl.DataFrame, features: list[str]) -> dict[str, float]:
    """Each feature's share of missing (null or NaN) values in ``frame``; 1 when empty."""
    if frame.is_empty() or not features:
        return dict.fromkeys(features, 1.0)
    row = frame.select(
        (pl.col(n).is_null() | pl.col(n).cast(pl.Float64).is_nan().fill_null(True)).mean()
        for n in features
    ).row(0)
    return dict(zip(features, (float(v) for v in row), strict=True))


def missingness_changes(
    training: pl.DataFrame, recent: pl.DataFrame, features: list[str]
) -> SourceChange:
    """Features that appeared (absent in training, present now) or disappeared."""
    before, now = missing_shares(training, features), missing_shares(recent, features)
    appeared = [n for n in features if before[n] >= ABSENT_MISSING and now[n] <= PRESENT_MISSING]
    gone = [n for n in features if now[n] >= ABSENT_MISSING and before[n] <= PRESENT_MISSING]
    reasons = []
    if appeared:
        reasons.append(
            f"data source changed: {_listed(appeared)} appeared (missing on "
            f"{_pct(min(before[n] for n in appeared))} or more of the training window's games, "
            f"present on {_pct(1 - max(now[n] for n in appeared))} or more of the recent ones)"
        )
    if gone:
        reasons.append(
            f"data source changed: {_listed(gone)} disappeared (missing on "
            f"{_pct(min(now[n] for n in gone))} or more of the recent games)"
        )
    return SourceChange(set(appeared) | set(gone), reasons)


def book_shares(odds_lines: pl.DataFrame, game_ids: pl.Series) -> dict[str, float]:
    """Each book's share of the games among ``game_ids`` that it priced at all."""
    lines = odds_lines.filter(pl.col("game_id").is_in(game_ids.implode()))
    priced = lines["game_id"].n_unique()
    if priced == 0:
        return {}
    per_book = lines.group_by("book").agg(pl.col("game_id").n_unique().alias("games"))
    return {row[0]: row[1] / priced for row in per_book.sort("book").iter_rows()}


def book_mix_change(training: dict[str, float], recent: dict[str, float]) -> SourceChange:
    """A new book, a book gone, or a book's share of priced games moving by
    ``BOOK_SHARE_MOVE`` or more: the market features then come from another source."""
    reasons = []
    for book in sorted(set(training) | set(recent)):
        old, new = training.get(book, 0.0), recent.get(book, 0.0)
        if old == 0 and new > 0:
            reasons.append(f"new book {book} ({_pct(new)} of recent priced games, none before)")
        elif new == 0 and old > 0:
            reasons.append(f"book {book} gone ({_pct(old)} of the training window's games)")
        elif abs(new - old) >= BOOK_SHARE_MOVE:
            reasons.append(f"book {book} priced {_pct(old)} of games in training, {_pct(new)} now")
    if not reasons:
        return SourceChange()
    return SourceChange(set(MARKET_FEATURES), ["data source changed: " + "; ".join(reasons)])


def window_source_change(
    training: pl.DataFrame, recent: pl.DataFrame, features: list[str], odds_lines: pl.DataFrame
) -> SourceChange:
    """Every change of data source between two windows of feature rows (``game_id`` and
    the ``features`` columns): feeds appearing or gone, and the books that priced their
    games (from ``odds_lines``). The drift page and the retrain decision both use it."""
    return source_changes(
        missingness_changes(training, recent, features),
        book_mix_change(
            book_shares(odds_lines, training["game_id"]),
            book_shares(odds_lines, recent["game_id"]),
        ),
    )


def source_changes(*changes: SourceChange) -> SourceChange:
    merged = SourceChange()
    for change in changes:
        merged.features |= change.features
        merged.reasons += change.reasons
    return merged


def _pct(share: float) -> str:
    return f"{100 * share:.0f} %"


def _listed(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
