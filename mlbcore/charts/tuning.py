"""Charts of a tuning study: its optimisation history (each trial's score, the best so
far, the current settings' score as a rule) and its parameter importances."""

import altair as alt
import polars as pl


def optimisation_history_chart(trials: pl.DataFrame, metric: str) -> alt.TopLevelMixin:
    """``trials``: one row per trial (``number``, ``state``, ``score``: null unless
    complete, ``current``: the current settings' trial). Complete trials as points, the
    best so far as a step line, the current settings' score as a dashed rule; lower is
    better."""
    complete = trials.filter(pl.col("score").is_not_null()).sort("number")
    data = complete.with_columns(best_so_far=pl.col("score").cum_min()).to_pandas()
    base = alt.Chart(data).encode(
        x=alt.X("number:Q", title="trial"),
        tooltip=[
            alt.Tooltip("number:Q", title="trial"),
            alt.Tooltip("score:Q", title=metric, format=".4f"),
            alt.Tooltip("best_so_far:Q", title="best so far", format=".4f"),
        ],
    )
    points = base.mark_circle(size=45, opacity=0.7).encode(
        y=alt.Y("score:Q", title=f"{metric} (lower is better)", scale=alt.Scale(zero=False))
    )
    best = base.mark_line(interpolate="step-after", color="#d62728").encode(y="best_so_far:Q")
    layers = [points, best]
    current = complete.filter(pl.col("current"))
    if not current.is_empty():
        rule = (
            alt.Chart(current.select("score").to_pandas())
            .mark_rule(strokeDash=[6, 4], color="#555")
            .encode(y="score:Q", tooltip=[alt.Tooltip("score:Q", title="current settings")])
        )
        layers.append(rule)
    return alt.layer(*layers).properties(
        width=520, height=260, title=f"optimisation history: {metric} per trial, best so far"
    )


def parameter_importance_chart(importances: dict[str, float]) -> alt.Chart:
    """How much of the score's variation across trials each setting explains (Optuna's
    fANOVA importances, summing to 1)."""
    data = pl.DataFrame(
        {"setting": list(importances), "importance": list(importances.values())},
        schema={"setting": pl.String, "importance": pl.Float64},
    )
    return (
        alt.Chart(data.to_pandas())
        .mark_bar()
        .encode(
            x=alt.X(
                "importance:Q", title="share of the score's variation", axis=alt.Axis(format="%")
            ),
            y=alt.Y("setting:N", sort="-x", title=None),
            tooltip=["setting:N", alt.Tooltip("importance:Q", format=".1%")],
        )
        .properties(width=420, height=max(80, 22 * len(importances)), title="parameter importances")
    )
