"""A slate as people read it, in the app and the CLI: team names, percentages, money with
two decimals, American odds with their sign, and the day's totals in words."""

from pathlib import Path

import polars as pl

from mlbcore.errors import MlbError
from mlbcore.files import writable_file, write_atomically
from mlbcore.lifecycle.slate import Slate
from mlbcore.targets import Target


def _pct(column: str) -> pl.Expr:
    return pl.format("{} %", (pl.col(column) * 100).round(1))


def _odds(column: str) -> pl.Expr:
    value = pl.col(column)
    return pl.when(value > 0).then(pl.format("+{}", value)).otherwise(value.cast(pl.String))


def _money(column: str, sign: bool = False) -> pl.Expr:
    """Two decimals, as text (Polars prints floats its own way)."""
    value = pl.col(column)
    pattern = "{:+.2f}" if sign else "{:.2f}"
    return value.map_elements(pattern.format, return_dtype=pl.String)


def people_table(result: Slate) -> pl.DataFrame:
    """One row per game, every value as text; the result and profit only for games that
    are over, and the reason where a game has no bet."""
    f = result.frame
    target = result.target
    if target is Target.MONEYLINE_HOME_WIN:
        price = pl.format("{} / {}", _odds("price_away"), _odds("price_home"))
        price_label, market = "price away / home", _pct("market_home_prob")
        market_label, model_label = "market home", "model home"
        model = _pct("model_home_prob")
    else:
        price = pl.format("{} o {} / u {}", pl.col("total_line"), _odds("price_over"),
                          _odds("price_under"))  # fmt: skip
        price_label, market = "total, over / under", _pct("market_over_prob")
        market_label = "market over"
        if target.is_binary:
            model_label, model = "model over", _pct("model_over_prob")
        else:
            model_label, model = "model runs", pl.col("model_runs").round(2).cast(pl.String)
    columns = [
        pl.format("{} @ {}", "away", "home").alias("game"),
        pl.format(
            "{} ({} UTC)", "first_pitch_local", pl.col("first_pitch_utc").dt.strftime("%H:%M")
        ).alias("first pitch"),
        pl.format("{} v {}", "away_starter", "home_starter").alias("starters"),
        price.alias(price_label),
        market.alias(market_label),
        model.alias(model_label),
        _pct("edge").alias("edge"),
        pl.col("bet"),
        _money("stake").alias("stake"),
        pl.format("v{} {}", "model_version", "scored_by").alias("scored by"),
    ]
    if f["result"].is_not_null().any():
        columns += [pl.col("result"), _money("profit", sign=True).alias("profit")]
    columns.append(pl.col("why"))
    return f.select(columns).fill_null("")


def totals_rows(result: Slate) -> list[dict[str, str]]:
    """The day's totals as label and value, for a small table."""
    t = result.totals
    rows = [
        {"": "games", "value": str(t.games)},
        {"": "bets", "value": str(t.bets)},
        {"": "staked", "value": f"{t.staked:.2f}"},
    ]
    if t.settled:
        rows += [
            {"": "settled bets", "value": str(t.settled)},
            {"": "profit", "value": f"{t.profit:+.2f}"},
            {"": "yield", "value": f"{t.yield_pct:+.1f} %"},
        ]
    return rows


def slate_heading(result: Slate) -> str:
    """What the slate is: date, target, the rules."""
    return (
        f"{result.target} slate of {result.day}: bets with an edge above "
        f"{100 * result.min_edge:.1f} %, fractional Kelly of a {result.bankroll:.2f} bankroll"
    )


def slate_text(result: Slate) -> str:
    """The slate for a terminal: the heading, the table, the day's totals."""
    with pl.Config(
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        tbl_rows=-1,
        tbl_cols=-1,
        tbl_width_chars=400,
        fmt_str_lengths=80,
        tbl_formatting="ASCII_MARKDOWN",
        tbl_cell_alignment="LEFT",
    ):
        table = str(people_table(result))
    return f"{slate_heading(result)}\n\n{table}\n\nday's totals: {result.totals.text()}"


def write_slate_csv(result: Slate, out: Path) -> None:
    """The slate's frame as CSV, written to a temporary file then renamed."""
    if out.suffix.lower() != ".csv":
        raise MlbError(f"the slate is written as CSV: give a file ending in .csv, got {out.name}")
    writable_file(out, "--out")
    write_atomically(out, result.frame.write_csv)
