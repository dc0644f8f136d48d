import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="MLB models: train")


@app.cell
def imports():
    import marimo as mo

    from mlbcore import charts
    from mlbcore import notebook as nb
    from mlbcore.lifecycle.train_summary import comparison_lines, market_lines, metrics_table

    return charts, comparison_lines, market_lines, metrics_table, mo, nb


@app.cell
def header(mo):
    mo.md(r"""
    # Train the MLB models

    Pick the targets and the training window, then press **Train**. Each target's model
    boosts from the market's price at the cutoff (games without a price are scored by a
    market-free part); it is trained with time-series cross-validation on the window's
    earlier dates and tested on its last 20 % of dates, beside the betting market's own
    price, then refitted on the whole window. A model that is degenerate or worse than
    the base rate on its test dates is logged but not promoted. Every run is logged to
    MLflow. Features use only what was known 60 minutes before first pitch.
    """)
    return


@app.cell
def defaults(nb):
    control_defaults = nb.train_controls()
    first_date, last_date = nb.data_date_range()
    return control_defaults, first_date, last_date


@app.cell
def controls(control_defaults, first_date, last_date, mo):
    targets = mo.ui.multiselect(
        options=["moneyline_home_win", "total_over_under", "run_total_regression"],
        value=[t.value for t in control_defaults.targets],
        label="Targets",
    )
    days = mo.ui.number(
        start=7, stop=400, step=1, value=control_defaults.days, label="Window (days)"
    )
    end_date = mo.ui.date(
        start=first_date,
        stop=last_date,
        value=control_defaults.end_date or last_date,
        label="Window ends",
    )
    train_button = mo.ui.run_button(label="Train", kind="success")
    mo.hstack([targets, days, end_date, train_button], justify="start", align="end")
    return days, end_date, targets, train_button


@app.cell
def training(days, end_date, mo, nb, targets, train_button):
    # Training waits for the button in the app; a script run trains at once.
    mo.stop(
        not (train_button.value or nb.script_mode()),
        mo.md("Press **Train** to train the selected targets."),
    )
    with mo.status.progress_bar(
        total=nb.progress_steps_of_training(targets.value), title="Training"
    ) as bar:
        outcome = nb.train(
            targets.value,
            days.value,
            end_date.value,
            lambda step: bar.update(subtitle=step),
        )
    return (outcome,)


@app.cell
def status(market_lines, mo, nb, outcome):
    mo.stop(
        outcome.error is not None,
        mo.callout(mo.md(f"**Training did not run:** {outcome.error}"), kind="danger"),
    )
    run = outcome.value
    mo.callout(
        mo.md(
            f"Trained {len(run.trained)} target(s) on data version `{run.data_version[:12]}`, "
            f"feature set `{run.feature_set_version}`. MLflow runs: "
            + ", ".join(
                f"`{t.result.target}` → {nb.run_reference(t.run_id, run.experiment_id)}"
                for t in run.trained
            )
            + "".join(f"\n\n- {line}" for line in market_lines(run))
            + "".join(f"\n\n*{notice}*" for notice in run.notices)
        ),
        kind="success",
    )
    return (run,)


@app.cell
def metrics(comparison_lines, metrics_table, mo, run):
    mo.vstack(
        [
            mo.md(
                "**Metrics**: train (in-sample, never a result), cross-validation (mean and "
                "spread over folds), test (the window's last dates, held out: the estimate), "
                "and the training base rate and the market's no-vig price on the same test "
                "games. Below each table, the model minus each baseline with its 95 % "
                "interval: a verdict comes from the interval, never from the point. The "
                "registered model is then refitted on the whole window."
            ),
            *[
                mo.vstack(
                    [
                        mo.md(f"### {t.result.target}"),
                        mo.ui.table(metrics_table(t), selection=None, show_download=False),
                        mo.callout(
                            mo.md("\n\n".join(comparison_lines(t))),
                            kind="warn" if t.rejected_reasons else "neutral",
                        ),
                    ]
                )
                for t in run.trained
            ],
        ]
    )
    return


@app.cell
def chart_target(mo, run):
    chart_target_picker = mo.ui.dropdown(
        options=[t.result.target.value for t in run.trained],
        value=run.trained[0].result.target.value,
        label="Charts for",
    )
    chart_target_picker
    return (chart_target_picker,)


@app.cell
def importance(chart_target_picker, charts, mo, run):
    chosen = next(t for t in run.trained if t.result.target == chart_target_picker.value)
    importance_chart = charts.importance_chart(chosen.result.target, chosen.result.importance)
    calibration_chart = charts.calibration_chart(chosen.result.target, chosen.result.calibration)
    mo.vstack(
        [
            mo.md(
                "Which features the model leaned on (share of total split gain), and how its "
                "predictions on the test games compare with what happened."
            ),
            mo.hstack([importance_chart, calibration_chart], justify="start"),
        ]
    )
    return calibration_chart, importance_chart


if __name__ == "__main__":
    app.run()
