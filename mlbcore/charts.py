"""Altair charts of training results, shared by the notebooks and reports so the app,
a script run and a report draw the same thing."""

import altair as alt
import polars as pl

from mlbcore.features.registry import FEATURES
from mlbcore.training.trainer import TrainingResult

_CATEGORY = {f.name: f.category for f in FEATURES}
_DESCRIPTION = {f.name: f.description for f in FEATURES}


def importance_chart(result: TrainingResult, top: int = 20) -> alt.Chart:
    """Top features by share of total gain, coloured by feature category."""
    data = result.importance.head(top).with_columns(
        category=pl.col("feature").replace_strict(_CATEGORY, default="other"),
        description=pl.col("feature").replace_strict(_DESCRIPTION, default=""),
    )
    return (
        alt.Chart(data.to_pandas(), title=f"{result.target}: feature importance (gain share)")
        .mark_bar()
        .encode(
            x=alt.X("gain_share:Q", title="share of total gain", axis=alt.Axis(format="%")),
            y=alt.Y("feature:N", sort="-x", title=None),
            color=alt.Color("category:N", title="category"),
            tooltip=[
                "feature:N",
                "description:N",
                alt.Tooltip("gain_share:Q", format=".1%"),
                alt.Tooltip("split:Q", title="splits"),
            ],
        )
        .properties(width=420, height=max(120, 18 * data.height))
    )


def calibration_chart(result: TrainingResult) -> alt.LayerChart:
    """Predicted against observed on the test games, by bin; the diagonal is perfect."""
    binary = result.target.is_binary
    data = result.calibration.to_pandas()
    unit = "probability" if binary else "total runs"
    lo, hi = (
        (0.0, 1.0)
        if binary
        else (
            float(min(data["mean_predicted"].min(), data["mean_observed"].min())) - 0.5,
            float(max(data["mean_predicted"].max(), data["mean_observed"].max())) + 0.5,
        )
    )
    scale = alt.Scale(domain=[lo, hi])
    diagonal = (
        alt.Chart(pl.DataFrame({"x": [lo, hi], "y": [lo, hi]}).to_pandas())
        .mark_line(strokeDash=[4, 4], color="gray")
        .encode(x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale))
    )
    points = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("mean_predicted:Q", title=f"mean predicted {unit}", scale=scale),
            y=alt.Y("mean_observed:Q", title=f"mean observed {unit}", scale=scale),
            size=alt.Size("games:Q", legend=None),
            tooltip=[
                "bin:Q",
                alt.Tooltip("mean_predicted:Q", format=".3f"),
                alt.Tooltip("mean_observed:Q", format=".3f"),
                "games:Q",
            ],
        )
    )
    title = f"{result.target}: calibration on the test games"
    return (diagonal + points).properties(title=title, width=320, height=320)
