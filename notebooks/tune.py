import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="MLB models: tune")


@app.cell
def imports():
    import marimo as mo

    from mlbcore import notebook as nb
    from mlbcore.notebook import tuning

    return mo, nb, tuning


@app.cell
def navigation(mo):
    from mlbcore.notebook.pages import navigation as _links

    mo.Html(_links("tune", mo.query_params().to_dict()))
    return


@app.cell
def header(mo):
    mo.md(r"""
    # Tune a model's settings

    An Optuna study searches a target's LightGBM settings (leaves, learning rate, minimum
    games per leaf, L1 and L2 penalties, feature and bagging fractions, and the offset or
    objective where they matter). Each trial walks forward month by month through seasons
    **before** any season the quality bench scores (on the real data, 2011-2013), training each
    month as `mlb train --as-of` ships it and scoring the month's games; a trial far behind
    the others after a month is pruned. Trial 0 of a new study is the current settings,
    so the best trial is compared with them on the same games.

    The study is kept (a journal file in the state folder, or PostgreSQL): pressing
    **Start** again adds trials to it. Here the trials run in this page's process; for
    several processes or machines use `mlb tune TARGET --jobs 2` (README, "Scaling out").
    **Apply** writes the best settings into `mlb.toml`; the next training uses them.
    """)
    return


@app.cell
def defaults(tuning):
    control_defaults = tuning.tune_controls()
    return (control_defaults,)


@app.cell
def controls(control_defaults, mo):
    target = mo.ui.dropdown(
        options=["moneyline_home_win", "total_over_under", "run_total_regression"],
        value=control_defaults.target.value,
        label="Target",
    )
    trials = mo.ui.number(start=1, stop=1000, value=control_defaults.trials, label="Trials")
    storage = mo.ui.text(
        value=control_defaults.storage or "",
        placeholder="default: journal file, or DATABASE_* PostgreSQL",
        label="Storage",
    )
    start_button = mo.ui.run_button(label="Start", kind="success")
    mo.hstack([target, trials, storage, start_button], justify="start", align="end")
    return start_button, storage, target, trials


@app.cell
def memory(mo):
    # The last study run stays on the page until Start is pressed again.
    get_last_study, set_last_study = mo.state(None)
    return get_last_study, set_last_study


@app.cell
def study(get_last_study, mo, nb, set_last_study, start_button, storage, target, trials, tuning):
    # The study waits for the button in the app; a script run starts at once.
    if start_button.value or nb.script_mode():
        with mo.status.progress_bar(total=trials.value + 2, title="Tuning") as bar:
            set_last_study(
                tuning.run_study(
                    target.value,
                    trials.value,
                    storage.value,
                    lambda line: bar.update(subtitle=line),
                )
            )
    outcome = get_last_study()
    mo.md("Press **Start** to run the trials.") if outcome is None else mo.md(
        f"Showing the last study run: {outcome.asked}. Press **Start** to add trials."
    )
    return (outcome,)


@app.cell
def result(mo, outcome, tuning):
    mo.stop(outcome is None)
    mo.stop(
        outcome.error is not None,
        mo.callout(mo.md(f"**The study did not run:** {outcome.error}"), kind="danger"),
    )
    tuned = outcome.value
    mo.callout(mo.md(tuning.study_lines(tuned)), kind="success")
    return (tuned,)


@app.cell
def script_summary(control_defaults, tuned, tuning):
    # A script run says what it found, applies when asked and writes --out.
    tuning.report_tuning(tuned, control_defaults.apply, control_defaults.out)
    return


@app.cell
def charts(mo, tuned, tuning):
    mo.vstack(
        [
            mo.md(
                "Each complete trial's score (lower is better), the best so far, and the "
                "current settings' score (dashed); then how much of the score's variation "
                "across trials each setting explains."
            ),
            *tuning.study_charts(tuned),
        ]
    )
    return


@app.cell
def apply_controls(mo, tuned):
    apply_button = mo.ui.run_button(
        label=f"Apply trial {tuned.best.number}" if tuned.best else "Apply", kind="warn"
    )
    apply_button
    return (apply_button,)


@app.cell
def applying(apply_button, mo, tuned, tuning):
    mo.stop(not apply_button.value)
    applied = tuning.apply_study(tuned)
    mo.callout(
        mo.md(applied.error or f"**Done:** {applied.value}"),
        kind="danger" if applied.error else "success",
    )
    return


if __name__ == "__main__":
    app.run()
