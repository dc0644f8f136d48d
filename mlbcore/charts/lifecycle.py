"""Charts of the lifecycle: scheduled job history, and a season replayed under each
policy (one colour per policy in every chart)."""

import altair as alt
import polars as pl

from mlbcore.targets import PRIMARY_METRIC, Target


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
