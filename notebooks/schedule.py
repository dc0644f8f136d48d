import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="MLB models: schedules")


@app.cell
def imports():
    import marimo as mo

    from mlbcore import charts
    from mlbcore import notebook as nb
    from mlbcore.notebook import operations as ops

    return charts, mo, nb, ops


@app.cell
def navigation(mo):
    from mlbcore.notebook.pages import navigation as _links

    mo.Html(_links("schedule", mo.query_params().to_dict()))
    return


@app.cell
def header(mo):
    mo.md(r"""
    # Schedules, jobs and model health

    Schedules run `train` or `retrain` jobs daily or weekly at an hour (UTC); they are
    kept in the state store and run by `mlb scheduler run` (a long-running runner) or
    `mlb scheduler tick` (from cron). A slot missed while nothing ran is run once.
    A running runner writes a heartbeat to the state store: the page says whether one is
    alive. **Run now** runs a schedule's job once, as of the date below, outside its slots.
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
            # Wraps rather than clipping on a narrow page.
            mo.hstack(
                [schedule_type, hour, day_of_week, job], justify="start", align="end", wrap=True
            ),
            mo.hstack([targets, save_button], justify="start", align="end", wrap=True),
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
    first_date, last_date = nb.data_date_range()
    status_as_of = mo.ui.date(
        start=first_date,
        stop=max(last_date, nb.now().date()),
        value=last_date,
        label="Health as of (end of day, UTC)",
    )
    refresh_button = mo.ui.run_button(label="Refresh")
    mo.hstack([status_as_of, refresh_button], justify="start", align="end", wrap=True)
    return refresh_button, status_as_of


@app.cell
def notices(mo):
    # What the last run-now or delete did, and a count of changes made, which redraws
    # the tables; a mere warning redraws nothing, so a picked row stays picked.
    get_notice, set_notice = mo.state(None)
    get_changes, set_changes = mo.state(0)
    return get_changes, get_notice, set_changes, set_notice


@app.cell
def overview(get_changes, mo, ops, refresh_button, saved, status_as_of):
    refresh_button.value, saved  # re-read after a refresh or a save
    get_changes()  # and after a run or a delete
    outcome = ops.schedule_page(status_as_of.value)
    mo.stop(
        outcome.error is not None,
        mo.callout(mo.md(f"**Cannot read the state store:** {outcome.error}"), kind="danger"),
    )
    state = outcome.value
    runner = state["runner"]
    mo.vstack(
        [
            mo.callout(mo.md(runner.text), kind="success" if runner.alive else "warn"),
            mo.md(
                f"**Each target's champion** and its health word as of the end of "
                f"{status_as_of.value} (UTC): ages count from its training to that date, "
                "and a champion trained after it is not the one in place then."
            ),
            mo.ui.table(state["status"], selection=None, label="Models", show_data_types=False),
        ]
    )
    return (state,)


@app.cell
def script_summary(nb, state):
    # A script run says what it read and writes --out; the app prints nothing.
    nb.report_schedules(state)
    return


@app.cell
def schedule_list(mo, state):
    schedule_rows = mo.ui.table(
        state["schedules"],
        selection="single",
        show_data_types=False,
        label="Schedules with their next run: pick one to run it now or delete it",
    )
    run_now_button = mo.ui.run_button(label="Run now")
    confirm_delete = mo.ui.checkbox(label="Yes, delete it")
    delete_button = mo.ui.run_button(label="Delete schedule", kind="danger")
    mo.vstack(
        [
            schedule_rows,
            mo.hstack(
                [run_now_button, delete_button, confirm_delete],
                justify="start",
                align="center",
                wrap=True,
            ),
        ]
    ) if state["schedules"].height else mo.md("*No schedules yet: save one above.*")
    return confirm_delete, delete_button, run_now_button, schedule_rows


@app.cell
def acting(
    confirm_delete, delete_button, mo, ops, run_now_button, schedule_rows, set_changes,
    set_notice, status_as_of,
):  # fmt: skip
    picked = schedule_rows.value
    chosen = int(picked["id"][0]) if len(picked) else None
    pressed = run_now_button.value or delete_button.value
    if pressed and chosen is None:
        set_notice(("warn", "Pick a schedule in the table first."))
    elif run_now_button.value:
        with mo.status.spinner(title=f"Running schedule {chosen}"):
            ran = ops.run_schedule_now(chosen, status_as_of.value)
        if ran.error:
            set_notice(("danger", f"**Not run:** {ran.error}"))
        else:
            set_changes(lambda count: count + 1)
            result = ran.value
            set_notice(
                (
                    "success" if result.status == "succeeded" else "danger",
                    f"Schedule {chosen}: {result.job} {result.status}, as of the end of "
                    f"{status_as_of.value}" + (f": {result.error}" if result.error else "."),
                )
            )
    elif delete_button.value and not confirm_delete.value:
        set_notice(("warn", f"Tick **Yes, delete it** to delete schedule {chosen}."))
    elif delete_button.value:
        deleted = ops.delete_schedule(chosen)
        set_changes(lambda count: count + 1)
        set_notice(
            ("danger", f"**Not deleted:** {deleted.error}")
            if deleted.error
            else ("success", f"Deleted schedule {chosen}; its past runs stay in the history.")
        )
    return


@app.cell
def notice(get_notice, mo):
    last_notice = get_notice()
    mo.callout(mo.md(last_notice[1]), kind=last_notice[0]) if last_notice else mo.md("")
    return


@app.cell
def history(charts, mo, state):
    runs = state["history"]
    mo.stop(runs.is_empty(), mo.md("*No job has run yet.*"))
    history_chart = charts.job_history_chart(runs)
    mo.vstack(
        [
            mo.md("Every scheduled job run: when it started and ended, and how it finished."),
            history_chart,
            mo.ui.table(runs, selection=None, label="Job history", show_data_types=False),
        ]
    )
    return (history_chart,)


if __name__ == "__main__":
    app.run()
