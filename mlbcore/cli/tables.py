"""The one way the CLI prints a table: every row and column, names and text whole, numbers
to 4 decimals, and never polars' `shape:` line or dtype row (they are for programmers)."""

import polars as pl


def table_text(frame: pl.DataFrame, float_precision: int = 4) -> str:
    """``frame`` as the CLI shows it (see the module's docstring)."""
    with pl.Config(
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        float_precision=float_precision,
        tbl_rows=-1,
        tbl_cols=-1,
        tbl_width_chars=10_000,  # wide rather than columns hidden behind "…"
        fmt_str_lengths=1_000,  # a row's name is never cut off
        fmt_table_cell_list_len=-1,
    ):
        return str(frame)


def metric_text(name: str, value: float | int) -> str:
    """A measure as the CLI prints it: a count (bets, games, rows) as an integer even when
    it comes back from MLflow as a float (133, not 133.0000); other measures to 4
    decimals."""
    count = (
        isinstance(value, int)
        or name.endswith(("bets", "games", "rows"))
        or (name.startswith("n_"))
    )
    if count and value == value:
        return f"{round(value)}"
    return f"{value:.4f}"


def print_table(frame: pl.DataFrame, float_precision: int = 4) -> None:
    print(table_text(frame, float_precision))
