import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="MLB models: schedules")


@app.cell
def imports():
    import marimo as mo

    from mlbcore import charts
    from mlbcore import notebook as nb

    return charts, mo, nb


@app.cell
def header(mo):
    mo.md(r"""
    # Schedules, jobs and model health

    Schedules run `train` or `retrain` jobs daily or weekly at an hour (UTC); they are
    kept in the state store and run by `mlb scheduler run` (a long-running runner) or
    `mlb scheduler tick` (from cron). A slot missed while nothing ran is run once.
    """)
    return


@app.cell
def new_schedule(mo):
    schedule_type = mo.ui.dropdown(options=["daily", "weekly"], value="daily", label="Every")
    hour = mo.ui.number(start=0, stop=23, value=6, label="Hour (UTC)")
    day_of_week = mo.ui.dropdown(
        options={
            "Monday": 0,
            "Tuesday": 1,
            "Wednesday": 2,
            "Thursday": 3,
            "Friday": 4,
            "Saturday": 5,
            "Sunday": 6,
        },
        value="Monday",
        label="Day (weekly)",
    )
    job = mo.ui.dropdown(options=["retrain", "train"], value="retrain", label="Job")
    targets = mo.ui.multiselect(
        options=["moneyline_home_win", "total_over_under", "run_total_regression"],
        label="Targets (none: all)",
    )
    save_button = mo.ui.run_button(label="Save schedule", kind="success")
    mo.vstack(
        [
            mo.md("**New schedule**"),
            mo.hstack(
                [schedule_type, hour, day_of_week, job, targets, save_button],
                justify="start",
                align="end",
            ),
        ]
    )
    return day_of_week, hour, job, save_button, schedule_type, targets


@app.cell
def saving(day_of_week, hour, job, mo, nb, save_button, schedule_type, targets):
    # No mo.stop here: the overview below depends on this cell and must run regardless.
    saved = (
        nb.save_schedule(
            {
                "schedule_type": schedule_type.value,
                "hour_utc": hour.value,
                "day_of_week": day_of_week.value if schedule_type.value == "weekly" else None,
                "job": job.value,
                "targets": targets.value,
            }
        )
        if save_button.value
        else None
    )
    if saved is None:
        saved_message = mo.md("")
    elif saved.error:
        saved_message = mo.callout(mo.md(f"**Not saved:** {saved.error}"), kind="danger")
    else:
        saved_message = mo.callout(
            mo.md(
                f"Saved schedule {saved.value[0]}; first run {saved.value[1]:%Y-%m-%d %H:%M} UTC."
            ),
            kind="success",
        )
    saved_message
    return (saved,)


@app.cell
def view_controls(mo, nb):
    first_date = nb.data_date_range()[0]
    status_as_of = mo.ui.date(
        start=first_date, stop=nb.now().date(), value=nb.now().date(), label="Health as of"
    )
    refresh_button = mo.ui.run_button(label="Refresh")
    mo.hstack([status_as_of, refresh_button], justify="start", align="end")
    return refresh_button, status_as_of


@app.cell
def overview(mo, nb, refresh_button, saved, status_as_of):
    refresh_button.value, saved  # re-read after a refresh or a save
    outcome = nb.schedules_and_history(status_as_of.value)
    mo.stop(
        outcome.error is not None,
        mo.callout(mo.md(f"**Cannot read the state store:** {outcome.error}"), kind="danger"),
    )
    state = outcome.value
    mo.vstack(
        [
            mo.md("**Each target's champion** and its health word as of the date above."),
            mo.ui.table(state["status"], selection=None, label="Models"),
            mo.md("**Schedules** with their next run."),
            mo.ui.table(state["schedules"], selection=None, label="Schedules")
            if state["schedules"].height
            else mo.md("*No schedules yet: save one above or run `mlb schedule`.*"),
        ]
    )
    return (state,)


@app.cell
def history(charts, mo, state):
    runs = state["history"]
    mo.stop(runs.is_empty(), mo.md("*No job has run yet.*"))
    history_chart = charts.job_history_chart(runs)
    mo.vstack(
        [
            mo.md("Every scheduled job run: when it started and ended, and how it finished."),
            history_chart,
            mo.ui.table(runs, selection=None, label="Job history"),
        ]
    )
    return (history_chart,)


if __name__ == "__main__":
    app.run()
