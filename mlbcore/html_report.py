"""`mlb report`: one self-contained HTML file of a target's champion, its training, its
evaluation on a recent window and drift, to keep or send. It opens without a network:
no scripts at all, charts inlined as SVG rendered here by vl-convert, tables as HTML.
"""

import html
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import altair as alt
import polars as pl

from mlbcore import charts, tracking
from mlbcore.clock import require_positive_days
from mlbcore.errors import MlbError
from mlbcore.evaluation.drift import drift_report
from mlbcore.evaluation.evaluate import baseline_table, daily_metrics, evaluate
from mlbcore.feature_cache.cached_features import data_and_features
from mlbcore.files import shown, writable_file, write_atomically
from mlbcore.settings import Settings
from mlbcore.targets import Target
from mlbcore.training.metrics import metric_names

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #222; }
h1 { margin-bottom: 0.2rem; } .meta { color: #666; margin-top: 0; }
section { margin: 2rem 0; } figure { margin: 1rem 0; } figcaption { color: #555; }
table { border-collapse: collapse; font-size: 0.9rem; }
td, th { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.verdict-drift { color: #b03a2e; } .verdict-stable { color: #2e7d32; }
"""


@dataclass
class Report:
    path: Path
    charts: list[str]  # the names of the figures it holds


def _table(rows: list[dict[str, object]]) -> str:
    if not rows:
        return "<p>none</p>"
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{v:.4f}</td>" if isinstance(v, float) else f"<td>{html.escape(str(v))}</td>"
            for v in row.values()
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(name: str, caption: str, chart: alt.TopLevelMixin) -> str:
    svg = charts.to_svg(chart)
    return (
        f'<figure class="chart" data-chart="{name}">{svg}'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def build_report(
    settings: Settings,
    target: Target,
    out: Path,
    as_of: datetime,
    days: int = 30,
    data: Path | str | None = None,
    include_in_sample: bool = False,
) -> Report:
    """Write the report of ``target``'s champion as of ``as_of`` to ``out`` (atomically).
    Its evaluation scores only games after the champion's training data ended; with
    ``include_in_sample`` the others appear in a section of their own, labelled in-sample."""
    import mlflow
    from mlflow.artifacts import download_artifacts

    if out.suffix.lower() not in (".html", ".htm"):
        raise MlbError(f"--out must end in .html, got {shown(out.name)}")
    writable_file(out, "--out")
    require_positive_days(days)
    loaded = data_and_features(settings, data)  # read once for both jobs
    tracking.configure(settings)
    champion = tracking.require_champion(target, loaded[0].games_source)
    run = mlflow.get_run(champion.run_id)
    importance_file = download_artifacts(
        run_id=champion.run_id, artifact_path="feature_importance.json"
    )
    importance = pl.DataFrame(json.loads(Path(importance_file).read_text())["importance"])
    evaluation = evaluate(
        settings, target, days, as_of, log=False, loaded=loaded, include_in_sample=include_in_sample
    )
    drift = drift_report(settings, target, as_of, min(days, 7), loaded=loaded)

    trained = run.data.metrics
    training_rows = [
        {
            "metric": name,
            "train (in-sample)": trained.get(f"train_{name}", float("nan")),
            "CV mean": trained.get(f"cv_mean_{name}", float("nan")),
            "test": trained.get(f"test_{name}", float("nan")),
            "market": trained.get(f"baseline_market_{name}", float("nan")),
            "base rate": trained.get(f"baseline_base_rate_{name}", float("nan")),
        }
        for name in metric_names(target)
    ]
    # With nothing out of sample (only possible with include_in_sample), the charts show
    # the in-sample games and say so.
    figures_scored, figures_calibration, window_label = (
        evaluation.scored,
        evaluation.calibration,
        "window's games",
    )
    if not evaluation.games and evaluation.in_sample is not None:
        figures_scored = evaluation.in_sample.scored
        figures_calibration = evaluation.in_sample.calibration
        window_label = "IN-SAMPLE games"
    in_sample = ""
    if evaluation.in_sample is not None:
        part = evaluation.in_sample
        in_sample = (
            f'<section class="in-sample"><h2>In-sample (not a result)</h2><p>{part.games} '
            "games of the window started before the champion's training data ended: it was "
            "fitted on them, so these scores are optimistic by construction.</p>"
            f"{_table(_evaluation_rows(target, part.metrics))}</section>"
        )
    evaluation_text = (
        f"<p>{evaluation.games} games after the champion's training data ended, "
        f"{evaluation.market_games} of them priced by the market; model and market are "
        "scored on those same priced games.</p>"
    )
    if evaluation.vs_market is not None:
        evaluation_text += (
            f"<p>Model minus market, {evaluation.vs_market.metric}: "
            f"{html.escape(evaluation.vs_market.text())}</p>"
        )
    if evaluation.baselines is not None:
        baselines = (
            f"<h3>Baselines</h3><p>The baselines a model must beat, "
            f"{html.escape(evaluation.baselines.text())}; model minus each on the games "
            "both predicted, with its 95 % date-block interval.</p>"
            f"{_table(baseline_table(target, evaluation.out_of_sample).to_dicts())}"
        )
    else:
        baselines = (
            "<h3>Baselines</h3><p>Not fitted on the model's training games: "
            f"{html.escape(evaluation.baselines_not_fitted)}.</p>"
        )
    evaluation_rows = _evaluation_rows(target, evaluation.metrics)
    figures = [
        ("importance", "Each part's share of its total gain by feature.",
         charts.importance_chart(target, importance)),
        ("metrics_over_time", "The primary metric per game date beside the market's.",
         charts.metrics_over_time_chart(target, daily_metrics(target, figures_scored))),
        ("calibration", "Predicted against observed by bin on the evaluation window.",
         charts.calibration_chart(target, figures_calibration, window_label)),
        ("psi", "Each feature's PSI, training window against the last week.",
         charts.psi_chart(drift.distributions)),
        ("importance_change", f"Importance share: {drift.reference} against the champion.",
         charts.importance_change_chart(drift.importance_changes, drift.reference)),
    ]  # fmt: skip
    if not evaluation.bets.is_empty():
        figures.insert(
            3,
            ("bankroll", "Fractional-Kelly bankroll after each slate (game date).",
             charts.bankroll_chart(evaluation.bets, target)),
        )  # fmt: skip
    betting = (
        _table(evaluation.betting.rows())
        if evaluation.betting
        else "<p>Run totals are not bet.</p>"
    )
    body = f"""
<h1>{html.escape(target.value)}: champion v{champion.version}</h1>
<p class="meta">Trained as of {champion.trained_as_of_utc:%Y-%m-%d %H:%M} UTC on
{champion.window_start_date}..{champion.window_end_date} (MLflow run {champion.run_id});
evaluated out of sample on {evaluation.games} games in the {days} days before
{as_of:%Y-%m-%d %H:%M} UTC.</p>
<section><h2>Training: metrics beside the market</h2>{_table(training_rows)}</section>
<section><h2>Evaluation, out of sample</h2>{evaluation_text}{_table(evaluation_rows)}
{baselines}
<h3>Betting</h3>{betting}</section>
{in_sample}
<section><h2>Drift: <span class="verdict-{drift.verdict}">{drift.verdict}</span></h2>
<ul>{"".join(f"<li>{html.escape(r)}</li>" for r in drift.reasons) or "<li>no reasons</li>"}</ul>
</section>
<section><h2>Charts</h2>{"".join(_figure(n, c, f) for n, c, f in figures)}</section>
"""
    document = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(target.value)} report</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )
    write_atomically(out, lambda path: Path(path).write_text(document, encoding="utf-8"))
    return Report(out, [name for name, _, _ in figures])


def _evaluation_rows(target: Target, metrics: dict[str, float]) -> list[dict[str, object]]:
    """Each metric for the model on every game, then model and market on the priced ones."""
    nan = float("nan")
    return [
        {
            "metric": name,
            "model, all games": metrics.get(name, nan),
            "model, priced games": metrics.get(f"model_priced_{name}", nan),
            "market, priced games": metrics.get(f"market_{name}", nan),
        }
        for name in metric_names(target)
    ]
