import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="MLB models: evaluate")


@app.cell
def imports():
    import marimo as mo

    from mlbcore import charts
    from mlbcore import notebook as nb
    from mlbcore.evaluation.evaluate import baseline_table, daily_metrics

    return baseline_table, charts, daily_metrics, mo, nb


@app.cell
def header(mo):
    mo.md(r"""
    # Evaluate a champion

    Scores a target's champion on the games of the window before the as-of date that
    started after its training data ended (out of sample) and whose results were known by
    then, beside the market's price at the cutoff on the same games, with a 95 % interval
    on the difference, and beside the baselines it must beat (the market recalibrated, a
    regularised logistic or linear model on its features, the base rate), fitted on its
    own training games only; then bets the model's edges against the market's price: flat
    stakes and fractional Kelly. The window defaults to everything after the champion's training.
    Each evaluation is logged to MLflow as an evaluation run linked to the model.
    """)
    return


@app.cell
def defaults(nb):
    control_defaults, first_date, last_date, nothing_to_score = nb.evaluation_defaults()
    return control_defaults, first_date, last_date, nothing_to_score


@app.cell
def controls(control_defaults, first_date, last_date, mo, nb, nothing_to_score):
    widgets = nb.lifecycle_widgets(control_defaults, first_date, last_date, "Window (days)", 200)
    target, days, as_of = widgets.target, widgets.days, widgets.as_of
    evaluate_button = mo.ui.run_button(label="Evaluate", kind="success")
    mo.vstack(
        [widgets.row(evaluate_button)]
        + ([mo.callout(mo.md(nothing_to_score), kind="warn")] if nothing_to_score else [])
    )
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
    headline, rows = nb.evaluation_summary(result)
    mo.vstack(
        [
            mo.callout(
                mo.md(
                    headline
                    + f"\n\nMLflow run {nb.run_reference(result.run_id, '0')}"
                    + "".join(f"\n\n**Warning:** {notice}" for notice in result.notices)
                ),
                kind="warn" if result.notices else "success",
            ),
            mo.ui.table(
                rows,
                selection=None,
                label="Metrics: model and market side by side on the games the market priced",
            ),
        ]
    )
    return (result,)


@app.cell
def baselines(baseline_table, mo, result):
    mo.stop(
        result.baselines is None,
        mo.callout(mo.md(f"**Baselines not fitted:** {result.baselines_not_fitted}"), kind="warn"),
    )
    mo.vstack(
        [
            mo.md(
                f"The baselines a model must beat, {result.baselines.text()}: the model minus "
                "each on the games both predicted, with its 95 % date-block interval."
            ),
            mo.ui.table(
                baseline_table(result.target, result.out_of_sample),
                selection=None,
                label="Model minus each baseline, out of sample",
            ),
        ]
    )
    return


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
