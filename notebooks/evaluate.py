import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="MLB models: evaluate")


@app.cell
def imports():
    import marimo as mo

    from mlbcore import charts
    from mlbcore import notebook as nb
    from mlbcore.evaluation.bets_table import bets_table
    from mlbcore.evaluation.evaluate import baseline_table, daily_metrics
    from mlbcore.evaluation.evaluation_card import betting_table, evaluation_card, metrics_table
    from mlbcore.notebook import cards

    return (
        baseline_table,
        bets_table,
        betting_table,
        cards,
        charts,
        daily_metrics,
        evaluation_card,
        metrics_table,
        mo,
        nb,
    )


@app.cell
def navigation(mo):
    from mlbcore.notebook.pages import navigation as _links

    mo.Html(_links("evaluate", mo.query_params().to_dict()))
    return


@app.cell
def header(mo):
    mo.md(r"""
    # Evaluate a champion

    Does the model beat the market? Scores a target's champion on the games of the window
    before the as-of date that started after its training data ended (out of sample) and
    whose results were known by then, beside the market's price at the cutoff on the same
    games, with a 95 % interval on the difference; then bets the model's edges against the
    market's price (flat stakes and fractional Kelly). The card on top gives the verdict:
    green only when the whole interval says the model scores better than the market. The
    tables after it hold the details, and the baselines a model must beat (the market
    recalibrated, a regularised logistic or linear model on its features, the base rate),
    fitted on its own training games only. The window defaults to everything after the
    champion's training. Tick **Log to MLflow** to record the evaluation as a run linked
    to the model (the landing page reads its verdict from there).
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
    log_box = mo.ui.checkbox(value=bool(control_defaults.log), label="Log to MLflow")
    evaluate_button = mo.ui.run_button(label="Evaluate", kind="success")
    mo.vstack(
        [widgets.row(mo.hstack([log_box, evaluate_button], justify="start", align="center"))]
        + ([mo.callout(mo.md(nothing_to_score), kind="warn")] if nothing_to_score else [])
    )
    return as_of, days, evaluate_button, log_box, target


@app.cell
def memory(mo):
    # The last evaluation stays on the page while the controls change, until Evaluate.
    get_last_run, set_last_run = mo.state(None)
    return get_last_run, set_last_run


@app.cell
def evaluation(as_of, days, evaluate_button, get_last_run, log_box, mo, nb, set_last_run, target):
    if evaluate_button.value or nb.script_mode():
        with mo.status.spinner(title="Evaluating", subtitle="features, predictions, bets"):
            set_last_run(nb.evaluate_run(target.value, days.value, as_of.value, log_box.value))
    last_run = get_last_run()
    mo.stop(last_run is None, mo.md("Press **Evaluate** to score the champion."))
    return (last_run,)


@app.cell
def summary(as_of, cards, days, evaluation_card, last_run, log_box, mo, target):
    shown = mo.md(
        cards.shown_run_note(last_run, target.value, days.value, as_of.value, log_box.value)
    )
    mo.stop(
        last_run.outcome.error is not None,
        mo.vstack(
            [
                shown,
                mo.callout(mo.md(f"**No evaluation:** {last_run.outcome.error}"), kind="warn"),
            ]
        ),
    )
    result = last_run.outcome.value
    mo.vstack([shown, cards.verdict_cards([evaluation_card(result, last_run.health)])])
    return (result,)


@app.cell
def script_summary(control_defaults, last_run, nb, result):
    # A script run says what it found and writes --out; the app prints nothing.
    nb.report_evaluation(last_run, control_defaults.out)
    return


@app.cell
def metrics(cards, metrics_table, mo, nb, result):
    mo.vstack(
        [
            mo.md(
                f"`{result.model_uri}` (trained as of {result.trained_as_of:%Y-%m-%d %H:%M} UTC)"
                f" out of sample on **{result.games} games** from "
                f"{result.start_utc:%Y-%m-%d %H:%M} to {result.as_of:%Y-%m-%d %H:%M} UTC, "
                f"{result.market_games} of them priced by the market; "
                f"{result.out_of_sample.parts_text()}. MLflow run "
                + (nb.run_reference(result.run_id, "0") if result.run_id else "not logged")
                + "."
            ),
            cards.people_table(
                metrics_table(result),
                label="Metrics: the model on every game, and model and market on the priced games",
            ),
        ]
    )
    return


@app.cell
def betting(betting_table, cards, mo, result):
    mo.stop(result.betting is None, mo.md("*Run totals are not bet.*"))
    cards.people_table(
        betting_table(result), label="Betting the model's edges at the market's price"
    )
    return


@app.cell
def baselines(baseline_table, cards, mo, result):
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
            cards.people_table(
                baseline_table(result.target, result.out_of_sample),
                label="Model minus each baseline, out of sample",
                signed=["model minus baseline", "95 % CI low", "95 % CI high"],
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
def days_table(cards, daily, metrics_chart, nb):
    shown_days = nb.picked_days(daily, metrics_chart.value)
    cards.people_table(shown_days, label=f"{len(shown_days)} game dates")
    return


@app.cell
def calibration(charts, mo, result):
    calibration_chart = charts.calibration_chart(
        result.target,
        result.calibration,
        "window's games",
        result.out_of_sample.market_calibration,
    )
    mo.vstack(
        [
            mo.md(
                "Predicted against observed by bin, the model beside the market on its priced "
                "games; on the diagonal a forecast is calibrated. The bars count the games "
                "in each bin."
            ),
            calibration_chart,
        ]
    )
    return (calibration_chart,)


@app.cell
def bankroll(bets_table, cards, charts, mo, result):
    mo.stop(
        result.bets.is_empty(),
        mo.md("*No bets: run totals are not bet, or no edge cleared the threshold.*"),
    )
    bankroll_chart = charts.bankroll_chart(result.bets, result.target)
    mo.vstack(
        [
            mo.md("Bankroll after each bet the model's edge allowed (fractional Kelly, capped)."),
            bankroll_chart,
            cards.people_table(
                bets_table(result.target, result.bets),
                label="Bets: the side, its price at the cutoff, and how it ended",
                percents=["model_probability", "edge", "stake"],
                signed=["profit_per_unit"],
            ),
        ]
    )
    return (bankroll_chart,)


if __name__ == "__main__":
    app.run()
