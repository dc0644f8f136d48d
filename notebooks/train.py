import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="MLB models: train")


@app.cell
def imports():
    import marimo as mo

    from mlbcore import charts
    from mlbcore import notebook as nb
    from mlbcore.lifecycle.train_summary import comparison_lines, metrics_table
    from mlbcore.notebook import cards

    return cards, charts, comparison_lines, metrics_table, mo, nb


@app.cell
def navigation(mo):
    from mlbcore.notebook.pages import navigation as _links

    mo.Html(_links("train", mo.query_params().to_dict()))
    return


@app.cell
def header(mo):
    mo.md(r"""
    # Train the MLB models

    Pick the targets and the training window, then press **Train**. Each target's model
    boosts from the market's price at the cutoff (games without a price are scored by a
    market-free part); it is trained with time-series cross-validation on the window's
    earlier dates and tested on its last 20 % of dates, beside the betting market's own
    price, then refitted on the whole window. Every run is logged to MLflow and its model
    registered; features use only what was known 60 minutes before first pitch.

    **Training here does not change the champions.** Each new version is shown beside
    the champion in place; **Promote** makes a version the champion and **Roll back**
    puts back the one before, each with your reason kept on the version in MLflow.
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
def memory(mo):
    # The last training stays on the page until Train is pressed again: changing a
    # control re-runs the cells below, and they show what was kept here.
    get_last_training, set_last_training = mo.state(None)
    return get_last_training, set_last_training


@app.cell
def training(days, end_date, get_last_training, mo, nb, set_last_training, targets, train_button):
    # Training waits for the button in the app; a script run trains at once. It
    # registers the new versions without promoting them.
    if train_button.value or nb.script_mode():
        with mo.status.progress_bar(
            total=nb.progress_steps_of_training(targets.value), title="Training"
        ) as bar:
            set_last_training(
                nb.train(
                    targets.value,
                    days.value,
                    end_date.value,
                    lambda step: bar.update(subtitle=step),
                )
            )
    outcome = get_last_training()
    mo.md("Press **Train** to train the selected targets.") if outcome is None else mo.md(
        f"Showing the last training: {outcome.asked}. Changing the controls keeps it; "
        "press **Train** to train again."
    )
    return (outcome,)


@app.cell
def status(mo, nb, outcome):
    mo.stop(outcome is None)
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
            + "".join(f"\n\n*{notice}*" for notice in run.notices)
        ),
        kind="neutral",  # green is kept for a model that beats the market
    )
    return (run,)


@app.cell
def verdicts(cards, mo, moved, nb, run):
    moved  # a promotion or a rollback changes the champion beside each new version
    held_out = nb.training_cards(run)
    mo.stop(held_out.error is not None, mo.callout(mo.md(held_out.error or ""), kind="danger"))
    train_cards = held_out.value
    mo.vstack(
        [
            mo.md(
                "**Does the new version beat the market?** Each target's new version, and "
                "the champion in place beside it, on its own held-out test games: the "
                "window's last dates, scored by the model fitted without them, so out of "
                "sample for that model (the version registered is then refitted on the "
                "whole window, those games included). Green only when the whole 95 % "
                "interval says the model beats the market's price on the same games. "
                "The champion's health word is as of the data's last result. Evaluate "
                "scores a champion on later games."
            ),
            cards.verdict_cards(train_cards),
        ]
    )
    return (train_cards,)


@app.cell
def script_summary(control_defaults, nb, run):
    # A script run says what it trained and writes --out; the app prints nothing.
    nb.report_training(run, control_defaults.out)
    return


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
                        mo.ui.table(
                            metrics_table(t),
                            selection=None,
                            show_download=False,
                            show_data_types=False,
                        ),
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
def champion_controls(mo, nb, outcome):
    outcome  # the picker lists the versions a training just registered
    version_picker = mo.ui.dropdown(options=nb.version_choices(), label="Version to promote")
    rollback_target = mo.ui.dropdown(
        options=[t.value for t in nb.Target],
        value=nb.Target.MONEYLINE_HOME_WIN.value,
        label="Target to roll back",
    )
    reason = mo.ui.text(placeholder="why: kept on the version in MLflow", label="Reason")
    promote_button = mo.ui.run_button(label="Promote", kind="warn")
    rollback_button = mo.ui.run_button(label="Roll back", kind="danger")
    mo.vstack(
        [
            mo.md(
                "**Champions.** Promote a version, or roll a target back to the champion "
                "before the current one. The reason is tagged on the version."
            ),
            mo.hstack(
                [version_picker, promote_button, rollback_target, rollback_button],
                justify="start",
                align="end",
            ),
            reason,
        ]
    )
    return promote_button, reason, rollback_button, rollback_target, version_picker


@app.cell
def moving(mo, nb, promote_button, reason, rollback_button, rollback_target, version_picker):
    # Only the button just pressed acts; a control changed since leaves both unpressed.
    moved = nb.pressed_champion_move(
        promote_button.value,
        version_picker.value,
        rollback_button.value,
        rollback_target.value,
        reason.value,
    )
    mo.md("") if moved is None else mo.callout(
        mo.md(moved.error or f"**Done:** {moved.value}"),
        kind="danger" if moved.error else "success",
    )
    return (moved,)


@app.cell
def versus(mo, moved, nb, run):
    moved  # a promotion or a rollback changes the champion shown here
    side_by_side = nb.new_beside_champion(run)
    mo.vstack(
        [
            mo.md(
                "**New beside champion**: each version's primary metric on its own "
                "held-out test dates and model minus market on the test games the market "
                "priced (negative: the model is better), with the 95 % interval and the "
                "verdict it supports."
            ),
            mo.md(side_by_side.value or side_by_side.error or ""),
        ]
    )
    return


@app.cell
def history(mo, moved, nb, outcome):
    moved, outcome  # re-read after a training, a promotion or a rollback
    histories = nb.version_histories()
    mo.stop(histories.error is not None, mo.callout(mo.md(histories.error or ""), kind="danger"))
    mo.vstack(
        [mo.md("**Version history** of each target, newest first.")]
        + [mo.md(f"### {target}\n\n{table}") for target, table in histories.value.items()]
    )
    return (histories,)


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
