import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="MLB models: evaluate")


@app.cell
def imports():
    import marimo as mo

    from mlbcore import charts
    from mlbcore import notebook as nb
    from mlbcore.evaluation.evaluate import daily_metrics

    return charts, daily_metrics, mo, nb


@app.cell
def header(mo):
    mo.md(r"""
    # Evaluate a champion

    Scores a target's champion on the games of the window before the as-of date whose
    results were known by then, beside the market's price at the cutoff, and bets the
    model's edges against that price: flat stakes and fractional Kelly. Each evaluation
    is logged to MLflow as an evaluation run linked to the model.
    """)
    return


@app.cell
def defaults(nb):
    control_defaults, first_date, last_date = nb.lifecycle_defaults()
    return control_defaults, first_date, last_date


@app.cell
def controls(control_defaults, first_date, last_date, mo, nb):
    widgets = nb.lifecycle_widgets(control_defaults, first_date, last_date, "Window (days)", 200)
    target, days, as_of = widgets.target, widgets.days, widgets.as_of
    evaluate_button = mo.ui.run_button(label="Evaluate", kind="success")
    widgets.row(evaluate_button)
    return as_of, days, evaluate_button, target


@app.cell
def evaluation(as_of, days, evaluate_button, mo, nb, target):
    mo.stop(
        not (evaluate_button.value or nb.script_mode()),
        mo.md("Press **Evaluate** to score the champion."),
    )
    with mo.status.spinner(title="Evaluating", subtitle="features, predictions, bets, MLflow"):
        outcome = nb.evaluate(target.value, days.value, as_of.value)
    return (outcome,)


@app.cell
def summary(mo, nb, outcome):
    mo.stop(
        outcome.error is not None,
        mo.callout(mo.md(f"**No evaluation:** {outcome.error}"), kind="warn"),
    )
    result = outcome.value
    mo.vstack(
        [
            mo.callout(
                mo.md(
                    f"`{result.model_uri}` on **{result.games} games** from "
                    f"{result.start_utc:%Y-%m-%d %H:%M} to {result.as_of:%Y-%m-%d %H:%M} UTC. "
                    f"MLflow run {nb.run_reference(result.run_id, '0')}"
                    + "".join(f"\n\n**Warning:** {notice}" for notice in result.notices)
                ),
                kind="warn" if result.notices else "success",
            ),
            mo.ui.table(
                [{"metric": k, "value": round(v, 4)} for k, v in result.metrics.items()]
                + [
                    {"metric": f"betting {k}", "value": round(v, 4)}
                    for k, v in (result.betting.metrics() if result.betting else {}).items()
                ],
                selection=None,
                label="Metrics (market_* is the market's no-vig price on the same games)",
            ),
        ]
    )
    return (result,)


@app.cell
def over_time(charts, daily_metrics, mo, result):
    daily = daily_metrics(result.target, result.scored)
    metrics_chart = mo.ui.altair_chart(charts.metrics_over_time_chart(result.target, daily))
    mo.vstack(
        [
            mo.md(
                "The model's primary metric per game date, with the market's on the same days. "
                "Drag across the chart to pick dates for the table below."
            ),
            metrics_chart,
        ]
    )
    return daily, metrics_chart


@app.cell
def days_table(daily, metrics_chart, mo, nb):
    shown = nb.picked_days(daily, metrics_chart.value)
    mo.ui.table(shown, selection=None, label=f"{len(shown)} game dates")
    return


@app.cell
def calibration(charts, mo, result):
    calibration_chart = charts.calibration_chart(
        result.target, result.calibration, "window's games"
    )
    mo.vstack(
        [
            mo.md("Predicted against observed by bin; on the diagonal the model is calibrated."),
            calibration_chart,
        ]
    )
    return (calibration_chart,)


@app.cell
def bankroll(charts, mo, result):
    mo.stop(
        result.bets.is_empty(),
        mo.md("*No bets: run totals are not bet, or no edge cleared the threshold.*"),
    )
    bankroll_chart = charts.bankroll_chart(result.bets, result.target)
    mo.vstack(
        [
            mo.md("Bankroll after each bet the model's edge allowed (fractional Kelly, capped)."),
            bankroll_chart,
            mo.ui.table(result.bets, selection=None, label="Bets"),
        ]
    )
    return (bankroll_chart,)


if __name__ == "__main__":
    app.run()
