"""Altair charts shared by the notebooks and reports, so the app, a script run and a
report draw the same thing.

Over ~300 lines on purpose: one short function per chart, sharing styles.
"""

import altair as alt
import polars as pl

from mlbcore.features.registry import FEATURES
from mlbcore.targets import PRIMARY_METRIC, Target
from mlbcore.thresholds import PSI_ALERT, PSI_FLAG

_CATEGORY = {f.name: f.category for f in FEATURES}
PNG_SCALE = 2  # crisp on high-density screens


def to_png(chart: alt.TopLevelMixin) -> bytes:
    """The chart as a PNG, rendered here by vl-convert (no browser, no network)."""
    import vl_convert

    return bytes(vl_convert.vegalite_to_png(chart.to_json(), scale=PNG_SCALE))


def to_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as standalone SVG, for reports that must open offline."""
    import vl_convert

    return str(vl_convert.vegalite_to_svg(chart.to_json()))


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


def job_history_chart(runs: pl.DataFrame) -> alt.Chart:
    """Each scheduled job run as a bar from start to end, by schedule, coloured by status."""
    data = runs.with_columns(
        pl.coalesce("ended_at_utc", "started_at_utc").alias("ended_at_utc"),
        schedule=pl.concat_str(pl.lit("schedule "), pl.col("schedule_id").cast(pl.String)),
    )
    return (
        alt.Chart(data.to_pandas(), title="job runs (wall clock, UTC)")
        .mark_bar(size=14)
        .encode(
            x=alt.X("started_at_utc:T", title="started"),
            x2="ended_at_utc:T",
            y=alt.Y("schedule:N", title=None),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(
                    domain=["succeeded", "running", "failed", "abandoned"],
                    range=["#4c9a5f", "#5b8fd0", "#d0504a", "#b0b0b0"],
                ),
            ),
            tooltip=[
                "id:Q",
                "job:N",
                "status:N",
                "as_of_utc:T",
                "started_at_utc:T",
                "ended_at_utc:T",
                "mlflow_run_ids:N",
                "error:N",
            ],
        )
        .properties(width=520, height=max(80, 30 * data["schedule"].n_unique()))
    )


# One colour per replay policy, and the market's, the same in every replay chart.
POLICY_COLOURS = {"policy": "#2a6fdb", "never": "#e08a1e", "daily": "#2e9e5b", "market": "#555555"}
POLICY_SCALE = alt.Scale(domain=list(POLICY_COLOURS), range=list(POLICY_COLOURS.values()))


def replay_chart(
    timeline: pl.DataFrame, target: Target, smooth_days: int = 14
) -> alt.TopLevelMixin:
    """The primary metric per policy over the season (a rolling mean of daily values),
    the market's beside it, and each promotion marked."""
    mine = timeline.filter(pl.col("target") == target.value).sort("policy", "date")
    rolling = (
        mine.drop_nulls("model_metric")
        .with_columns(
            value=pl.col("model_metric").rolling_mean(smooth_days, min_samples=3).over("policy")
        )
        .select("date", source="policy", value="value")
    )
    market = (
        mine.filter(pl.col("policy") == mine["policy"][0])
        .drop_nulls("market_metric")
        .with_columns(value=pl.col("market_metric").rolling_mean(smooth_days, min_samples=3))
        .select("date", source=pl.lit("market"), value="value")
    )
    data = pl.concat([rolling, market]).drop_nulls("value").to_pandas()
    lines = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("date:T", title="game date"),
            y=alt.Y(
                "value:Q",
                title=f"{PRIMARY_METRIC[target]}, {smooth_days}-day rolling mean",
                scale=alt.Scale(zero=False),
            ),
            color=alt.Color("source:N", title=None, scale=POLICY_SCALE),
            tooltip=["date:T", "source:N", alt.Tooltip("value:Q", format=".4f")],
        )
    )
    promotions = (
        alt.Chart(
            mine.filter(pl.col("promoted") & (pl.col("policy") != "daily"))
            .select("date", "policy", "action", "reasons")
            .to_pandas()
        )
        .mark_rule(opacity=0.35)
        .encode(
            x="date:T",
            color=alt.Color("policy:N", title=None, scale=POLICY_SCALE),
            tooltip=["date:T", "policy:N", "action:N", "reasons:N"],
        )
    )
    title = f"{target}: replay, policies against the market (rules: promotions)"
    return (lines + promotions).properties(title=title, width=560, height=280)


def replay_headline_chart(headline: pl.DataFrame) -> alt.FacetChart:
    """The replay's headline: each difference (policy minus baseline, policy minus
    market) as a point with its 95 % interval, one panel per target, a rule at zero.
    Colour is the verdict the interval gives."""
    data = headline.drop("text", "dates").to_pandas()
    # Layers without data of their own, so the facet splits the rows by target.
    base = alt.Chart().encode(
        y=alt.Y("comparison:N", title=None, sort=None),
        color=alt.Color(
            "verdict:N",
            scale=alt.Scale(
                domain=["better", "no clear difference", "worse"],
                range=["#4c9a5f", "#8a8a8a", "#d0504a"],
            ),
        ),
        tooltip=["target:N", "comparison:N", "metric:N", "games:Q", "verdict:N"]
        + [alt.Tooltip(f"{c}:Q", format="+.4f") for c in ("difference", "ci_low", "ci_high")],
    )
    whiskers = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title="difference (lower is better), 95 % interval"), x2="ci_high:Q"
    )
    points = base.mark_point(filled=True, size=60).encode(x="difference:Q")
    zero = alt.Chart().mark_rule(strokeDash=[4, 4], color="gray").encode(x=alt.datum(0))
    return (
        alt.layer(whiskers, points, zero, data=data)
        .properties(width=420, height=140)
        .facet(row=alt.Row("target:N", title=None))
        .resolve_scale(x="independent")
        .properties(title="replay: policies against baselines and the market")
    )
