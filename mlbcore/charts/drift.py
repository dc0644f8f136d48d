"""Charts of drift: importance change between versions, PSI per feature, and one
feature's histograms, training window against recent window."""

import altair as alt
import polars as pl

from mlbcore.thresholds import PSI_ALERT, PSI_FLAG


def importance_change_chart(changes: pl.DataFrame, reference: str, top: int = 15) -> alt.Chart:
    """Features whose share of gain moved most between the reference model and the champion."""
    data = (
        changes.head(top)
        .unpivot(index="feature", on=["old_share", "new_share"], variable_name="model")
        .with_columns(pl.col("model").replace({"old_share": reference, "new_share": "champion"}))
    )
    return (
        alt.Chart(data.to_pandas(), title=f"importance share: {reference} vs champion")
        .mark_bar()
        .encode(
            y=alt.Y("feature:N", sort=changes.head(top)["feature"].to_list(), title=None),
            x=alt.X("value:Q", title="share of total gain", axis=alt.Axis(format="%")),
            yOffset="model:N",
            color=alt.Color("model:N", title=None),
            tooltip=["feature:N", "model:N", alt.Tooltip("value:Q", format=".1%")],
        )
        .properties(width=420, height=max(160, 28 * min(top, changes.height)))
    )


def psi_chart(distributions: pl.DataFrame, top: int = 25) -> alt.TopLevelMixin:
    """Each feature's PSI, training window against the recent window, coloured by the
    verdict of the corrected rule (KS p-values, Benjamini-Hochberg): PSI shows how far a
    feature moved, the colour whether that is more than noise. Dashed lines: PSI's usual
    0.1 and 0.25 bands, for reference only. Calendar features come after the rest."""
    ranked = distributions.sort(
        pl.col("level") == "calendar", pl.col("psi"), descending=[False, True]
    ).head(top)  # calendar features last: shown, not judged
    order = ranked["feature"].to_list()
    data = ranked.to_pandas()
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("feature:N", sort=order, title=None),
            x=alt.X("psi:Q", title="population stability index"),
            color=alt.Color(
                "level:N",
                title="KS + BH verdict",
                scale=alt.Scale(
                    domain=["ok", "drift", "data source", "calendar"],
                    range=["#8fbc8f", "#d0504a", "#e0a040", "#b0b0b0"],
                ),
            ),
            tooltip=[
                "feature:N",
                alt.Tooltip("psi:Q", format=".3f"),
                alt.Tooltip("wasserstein_std:Q", format=".3f", title="Wasserstein (sd)"),
                alt.Tooltip("ks_p:Q", format=".4f", title="KS p"),
                alt.Tooltip("bh_q:Q", format=".4f", title="BH q"),
                "level:N",
            ],
        )
    )
    lines = (
        alt.Chart(pl.DataFrame({"x": [PSI_FLAG, PSI_ALERT]}).to_pandas())
        .mark_rule(strokeDash=[4, 4], color="gray")
        .encode(x="x:Q")
    )
    title = f"feature drift: top {len(data)} by PSI, coloured by the corrected test"
    return (bars + lines).properties(title=title, width=420, height=max(160, 16 * len(data)))


def feature_histogram_chart(histograms: pl.DataFrame, feature: str) -> alt.Chart:
    """One feature's distribution in the training window against the recent window: the
    share of each window's present values per bin, the two windows overlaid on the same
    bins. The legend gives each window's games and missing share."""
    mine = histograms.filter(pl.col("feature") == feature).with_columns(
        window=pl.format(
            "{} ({} games, {}% missing)",
            "window",
            "games",
            (100 * pl.col("missing_share")).round(0).cast(pl.Int64),
        )
    )
    return (
        alt.Chart(mine.to_pandas(), title=f"{feature}: training window vs recent window")
        .mark_bar(opacity=0.55, binSpacing=0)
        .encode(
            x=alt.X("bin_low:Q", bin="binned", title=feature),
            x2="bin_high:Q",
            y=alt.Y("share:Q", stack=None, title="share of games", axis=alt.Axis(format="%")),
            color=alt.Color(
                "window:N",
                title=None,
                # Training first, in blue; recent in red, whatever their labels say.
                scale=alt.Scale(
                    domain=mine["window"].unique(maintain_order=True).to_list(),
                    range=["#5b8fd0", "#d0504a"],
                ),
            ),
            tooltip=[
                "window:N",
                alt.Tooltip("bin_low:Q", format=".3g", title="from"),
                alt.Tooltip("bin_high:Q", format=".3g", title="to"),
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
        .properties(width=420, height=200)
    )
