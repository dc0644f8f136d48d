"""Merging imported rows into a snapshot's table: add and update, never remove.

A table's rows are keyed (a game by its id, an odds line by book, game, time stamp and
market, ...). An imported row with a new key is added; one with a key the table has
replaces that row; rows the import does not mention stay as they were. So a partial or
half-malformed file can only add to a snapshot, and importing the same file twice, or a
file with repeated rows, stores each row once. Removing is the caller's decision
(``--replace``), made before the merge.
"""

from collections.abc import Sequence

import polars as pl

from mlbcore.importers.report import TableCounts

ODDS_KEY = ["book", "game_id", "entered_at_utc"]
# The markets of an odds line: a row posts any of them, and a market a row leaves empty is
# not a market withdrawn, so each is merged on its own (the key's fourth part).
ODDS_MARKETS = {
    "moneyline": ["moneyline_home", "moneyline_away"],
    "total": ["total", "over_price", "under_price"],
    "run_line": ["run_line_home", "run_line_home_price", "run_line_away_price"],
}
_STORED = "__stored"


def _one_per_key(
    incoming: pl.DataFrame, key: list[str], markets: Sequence[list[str]] | None
) -> pl.DataFrame:
    """One row per key: the last row, or per market the last row that posts it."""
    if markets is None:
        return incoming.unique(key, keep="last", maintain_order=True)
    return incoming.group_by(key, maintain_order=True).agg(
        pl.col(column).filter(pl.any_horizontal(pl.col(c).is_not_null() for c in group)).last()
        for group in markets
        for column in group
    )


def upsert(
    previous: pl.DataFrame,
    incoming: pl.DataFrame,
    key: list[str],
    markets: dict[str, list[str]] | None = None,
    skipped: int = 0,
) -> tuple[pl.DataFrame, TableCounts]:
    """``previous`` with ``incoming``'s rows added or updated by ``key``, and the counts
    (``skipped`` is passed through: input rows the caller did not hand over). With
    ``markets`` (groups of columns), an incoming row updates only the markets it fills;
    its empty ones keep the stored values. Rows repeating a key in ``incoming`` count
    once (the last wins)."""
    columns = previous.columns
    values = [c for c in columns if c not in key]
    groups = list(markets.values()) if markets else None
    rows = _one_per_key(
        incoming.select([pl.col(c).cast(previous.schema[c]) for c in columns]), key, groups
    )
    stored = previous.with_columns(pl.lit(True).alias(_STORED))
    joined = rows.join(stored, on=key, how="left", suffix="_old", maintain_order="left")
    was_stored = pl.col(_STORED).fill_null(False)
    posted = {
        column: pl.any_horizontal(pl.col(c).is_not_null() for c in group)
        for group in groups or []
        for column in group
    }
    merged = joined.with_columns(
        [
            pl.when(~was_stored | posted.get(c, pl.lit(True)))
            .then(pl.col(c))
            .otherwise(pl.col(f"{c}_old"))
            for c in values
        ]
    )
    same = pl.all_horizontal(
        [pl.col(c).eq_missing(pl.col(f"{c}_old")) for c in values] or [pl.lit(True)]
    )
    tally = merged.select(
        added=(~was_stored).sum(),
        updated=(was_stored & ~same).sum(),
        unchanged=(was_stored & same).sum(),
    ).row(0, named=True)
    table = pl.concat([previous.join(rows.select(key), on=key, how="anti"), merged.select(columns)])
    return table, TableCounts(**tally, skipped=skipped)


def remove(
    table: pl.DataFrame, drop: pl.Expr, keep: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, int]:
    """``table`` less its rows where ``drop`` holds, except rows whose key (the columns of
    ``keep``) the import just wrote: what ``--replace`` takes out after the merge. Returns
    the table and how many rows went."""
    going = (
        pl.lit(True)
        if keep is None
        else pl.struct(keep.columns)
        .is_in(keep.select(pl.struct(keep.columns)).to_series().implode())
        .not_()
    )
    kept = table.filter(~(drop & going))
    return kept, table.height - kept.height
