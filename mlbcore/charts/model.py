"""Charts of one model: feature importance per part, calibration beside the market,
metrics over time and the bankroll."""

import altair as alt
import polars as pl

from mlbcore.features.registry import FEATURES
from mlbcore.targets import PRIMARY_METRIC, Target

_CATEGORY = {f.name: f.category for f in FEATURES}
_DESCRIPTION = {f.name: f.description for f in FEATURES}


_PART_TITLE = {
    "market": "market part (boosted from the market's price)",
    "market_free": "market-free part (games without a price)",
}


def importance_chart(target: Target, importance: pl.DataFrame, top: int = 15) -> alt.FacetChart:
    """Each part's top features by share of its total gain, coloured by feature category,
    one panel per part; ``importance`` holds part, feature, gain, split and gain_share. A
    market part of zero rounds (the market itself) has no panel."""
    if "part" not in importance.columns:  # runs logged before models had parts
        importance = importance.with_columns(part=pl.lit("model"))
    data = (
        importance.sort("gain", descending=True)
        .group_by("part", maintain_order=True)
        .head(top)
        .with_columns(
            part=pl.col("part").replace(_PART_TITLE),
            category=pl.col("feature").replace_strict(_CATEGORY, default="other"),
            description=pl.col("feature").replace_strict(_DESCRIPTION, default=""),
        )
    )
    return (
        alt.Chart(data.to_pandas())
        .mark_bar()
        .encode(
            x=alt.X("gain_share:Q", title="share of the part's gain", axis=alt.Axis(format="%")),
            y=alt.Y("feature:N", sort="-x", title=None),
            color=alt.Color("category:N", title="category"),
            tooltip=[
                "part:N",
                "feature:N",
                "description:N",
                alt.Tooltip("gain_share:Q", format=".1%"),
                alt.Tooltip("split:Q", title="splits"),
            ],
        )
        .properties(width=420, height=max(120, 18 * top))
        .facet(
            row=alt.Row("part:N", title=None), title=f"{target}: feature importance (gain share)"
        )
        .resolve_scale(y="independent")
    )


def calibration_chart(
    target: Target,
    calibration: pl.DataFrame,
    games: str = "test games",
    market: pl.DataFrame | None = None,
) -> alt.TopLevelMixin:
    """Predicted against observed by bin, the model's curve beside the market's own on its
    priced games (``market``: the same table of the market's predictions), dots sized by
    games; under it, how many games each bin holds. The diagonal is perfect."""
    binary = target.is_binary
    curves = calibration.with_columns(source=pl.lit("model"))
    if market is not None and market.height:
        curves = pl.concat([curves, market.with_columns(source=pl.lit("market"))])
    unit = "probability" if binary else "total runs"
    both = pl.col("mean_predicted", "mean_observed")
    lo, hi = (
        (0.0, 1.0)
        if binary
        else (
            float(curves.select(pl.min_horizontal(both.min())).item()) - 0.5,
            float(curves.select(pl.max_horizontal(both.max())).item()) + 0.5,
        )
    )
    scale = alt.Scale(domain=[lo, hi])
    diagonal = (
        alt.Chart(pl.DataFrame({"x": [lo, hi], "y": [lo, hi]}).to_pandas())
        .mark_line(strokeDash=[4, 4], color="gray")
        .encode(x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale))
    )
    # The same colours as the metrics-over-time chart (market, then model, by name).
    colour = alt.Color("source:N", title=None, sort=["market", "model"])
    base = alt.Chart(curves.to_pandas()).encode(
        x=alt.X("mean_predicted:Q", title=f"mean predicted {unit}", scale=scale),
        y=alt.Y("mean_observed:Q", title=f"mean observed {unit}", scale=scale),
        color=colour,
    )
    # Dots sized by games in the bin, joined by a plain line (a size encoding on the line
    # itself would set its stroke width and shrink the dots to specks).
    dots = base.mark_circle(opacity=0.85).encode(
        size=alt.Size("games:Q", scale=alt.Scale(range=[30, 400]), legend=None),
        tooltip=[
            "source:N",
            "bin:Q",
            alt.Tooltip("mean_predicted:Q", format=".3f"),
            alt.Tooltip("mean_observed:Q", format=".3f"),
            alt.Tooltip("games:Q", title="games"),
        ],
    )
    points = base.mark_line(strokeWidth=1.5) + dots
    title = f"{target}: calibration on the {games}"
    curve = (diagonal + points).properties(title=title, width=320, height=320)
    counts = (
        alt.Chart(curves.to_pandas())
        .mark_bar(opacity=0.7)
        .encode(
            x=alt.X("mean_predicted:Q", title=f"mean predicted {unit} of the bin", scale=scale),
            y=alt.Y("games:Q", title="games in the bin"),
            xOffset=alt.XOffset("source:N"),
            color=colour,
            tooltip=["source:N", "bin:Q", alt.Tooltip("games:Q", title="games")],
        )
        .properties(width=320, height=90)
    )
    return alt.vconcat(curve, counts).resolve_scale(color="shared")


def _metric_title(target: Target) -> str:
    name = PRIMARY_METRIC[target]
    return f"{name.replace('_', ' ')} (lower is better)"


def metrics_over_time_chart(target: Target, daily: pl.DataFrame) -> alt.Chart:
    """The model's primary metric per game date beside the market's; brushing a date
    range selects it (``chart.selections["dates"]`` in a notebook)."""
    long = daily.unpivot(
        index=["date", "games"], on=["model", "market"], variable_name="source"
    ).drop_nulls("value")
    brush = alt.selection_interval(encodings=["x"], name="dates")
    return (
        alt.Chart(long.to_pandas(), title=f"{target}: {_metric_title(target)} per day")
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title="game date"),
            y=alt.Y("value:Q", title=PRIMARY_METRIC[target], scale=alt.Scale(zero=False)),
            color=alt.Color("source:N", title=None),
            tooltip=["date:T", "source:N", alt.Tooltip("value:Q", format=".4f"), "games:Q"],
        )
        .add_params(brush)
        .properties(width=520, height=260)
    )


def bankroll_chart(placed: pl.DataFrame, target: Target) -> alt.Chart:
    """Fractional-Kelly bankroll (from 1.0) after each bet's slate (its game date), in
    bet order: the bets of one date share a bankroll, staked before any of them settles."""
    data = placed.select(
        "first_pitch_utc", "game_id", "side", "edge", "kelly_stake", "flat_profit", "bankroll"
    ).with_row_index("bet", offset=1)
    return (
        alt.Chart(data.to_pandas(), title=f"{target}: fractional-Kelly bankroll")
        .mark_line(point=True)
        .encode(
            x=alt.X("first_pitch_utc:T", title="first pitch (UTC)"),
            y=alt.Y("bankroll:Q", title="bankroll (start = 1)", scale=alt.Scale(zero=False)),
            tooltip=[
                "bet:Q",
                "game_id:N",
                "side:N",
                alt.Tooltip("edge:Q", format=".3f"),
                alt.Tooltip("kelly_stake:Q", format=".3f", title="stake"),
                alt.Tooltip("bankroll:Q", format=".4f"),
            ],
        )
        .properties(width=520, height=220)
    )
