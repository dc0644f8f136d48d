import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="MLB models: replay a season")


@app.cell
def imports():
    import marimo as mo

    from mlbcore import charts
    from mlbcore import notebook as nb
    from mlbcore.notebook import cards
    from mlbcore.notebook import operations as ops

    return cards, charts, mo, nb, ops


@app.cell
def navigation(mo):
    from mlbcore.notebook.pages import navigation as _links

    mo.Html(_links("replay", mo.query_params().to_dict()))
    return


@app.cell
def header(mo):
    mo.md(r"""
    # Replay a season

    Is the retraining policy worth having? The season is walked day by day with time set
    to each morning: the policy decides per target (too few new games, degraded, stale,
    drifting); a challenger waits as "pending" for `comparison_days` and is promoted only
    if, on the games played since it was fitted, the bootstrap interval of challenger
    minus champion lies below zero. The day's games are predicted by the champion in
    hand. The same games are predicted under "never retrain" and "retrain every day",
    beside the market, and the headline compares them with 95 % intervals: a verdict
    comes from the interval, and "no clear difference" means exactly that.
    A full season with all three policies and targets takes a few minutes: the page shows
    the days walked and an estimate of the time left, and **Cancel** stops after the day
    in hand, with a summary of the days walked so far.
    """)
    return


@app.cell
def defaults(nb):
    control_defaults, seasons = nb.replay_controls()
    policy_defaults = nb.load_settings().retraining
    return control_defaults, policy_defaults, seasons


@app.cell
def controls(control_defaults, mo, policy_defaults, seasons):
    season = mo.ui.dropdown(
        options=[str(s) for s in seasons],
        value=str(control_defaults.season or seasons[-1]),
        label="Season",
    )
    schedule = mo.ui.dropdown(
        options=["daily", "weekly"], value=control_defaults.schedule, label="Checks"
    )
    targets = mo.ui.multiselect(
        options=["moneyline_home_win", "total_over_under", "run_total_regression"],
        value=[t.value for t in control_defaults.targets],
        label="Targets",
    )
    policies = mo.ui.multiselect(
        options=["policy", "never", "daily"], value=control_defaults.policies, label="Policies"
    )
    min_samples = mo.ui.number(
        start=1, stop=2000, value=policy_defaults.min_samples_for_retrain,
        label="Min new games",
    )  # fmt: skip
    degradation = mo.ui.slider(
        start=0.01, stop=0.5, step=0.01,
        value=policy_defaults.performance_degradation_threshold, label="Degradation",
        show_value=True,
    )  # fmt: skip
    stale_hours = mo.ui.number(
        start=1, stop=2000, value=policy_defaults.retrain_schedule_hours,
        label="Schedule interval (h)",
    )  # fmt: skip
    grace_hours = mo.ui.number(
        start=0, stop=2000, value=policy_defaults.stale_grace_hours, label="Stale grace (h)"
    )
    comparison_days = mo.ui.number(
        start=1, stop=30, value=policy_defaults.comparison_days, label="Comparison days"
    )
    comparison_games = mo.ui.number(
        start=10, stop=2000, value=policy_defaults.min_comparison_games,
        label="Min comparison games",
    )  # fmt: skip
    replay_button = mo.ui.run_button(label="Replay", kind="success")
    mo.vstack(
        [
            mo.hstack([season, schedule, targets, policies], justify="start", align="end"),
            mo.hstack(
                [min_samples, degradation, stale_hours, grace_hours], justify="start", align="end"
            ),
            mo.hstack(
                [comparison_days, comparison_games, replay_button], justify="start", align="end"
            ),
        ]
    )
    return (
        comparison_days, comparison_games, degradation, grace_hours, min_samples, policies,
        replay_button, schedule, season, stale_hours, targets,
    )  # fmt: skip


@app.cell
def finish_state(mo):
    # Set once when a replay ends, so the summary is drawn once, not at every refresh.
    get_finished, set_finished = mo.state(0)
    # The last replay stays on the page while the controls change, until Replay again.
    get_last_replay, set_last_replay = mo.state(None)
    return get_finished, get_last_replay, set_finished, set_last_replay


@app.cell
def replaying(
    cards, comparison_days, comparison_games, degradation, get_last_replay, grace_hours,
    min_samples, mo, nb, ops, policies, replay_button, schedule, season, set_last_replay,
    stale_hours, targets,
):  # fmt: skip
    asked = (
        f"season {season.value}, {schedule.value} checks, {', '.join(targets.value)}; "
        f"policies {', '.join(policies.value)}"
    )
    if replay_button.value or nb.script_mode():
        # On a thread of its own: the page stays live for the progress and the cancel.
        set_last_replay((asked, ops.start_replay(
            int(season.value), schedule.value, targets.value, policies.value,
            {
                "min_samples_for_retrain": min_samples.value,
                "performance_degradation_threshold": degradation.value,
                "retrain_schedule_hours": stale_hours.value,
                "stale_grace_hours": grace_hours.value,
                "comparison_days": comparison_days.value,
                "min_comparison_games": comparison_games.value,
            },
        )))  # fmt: skip
    last_replay = get_last_replay()
    mo.stop(last_replay is None, mo.md("Press **Replay** to walk the season."))
    shown_asked, replay_job = last_replay
    mo.output.replace(
        mo.md(
            cards.last_result_note(
                "the replay", shown_asked, shown_asked == asked, "press **Replay** to walk again"
            )
        )
    )
    return (replay_job,)


@app.cell
def replay_controls(get_finished, mo, replay_job):
    get_finished()  # drawn again when the replay ends: no more ticks, no Cancel
    # The ticker redraws the progress every second while the replay runs, and is gone
    # once it has ended or been cancelled.
    ticker = (
        None
        if replay_job.done
        else mo.ui.refresh(options=["1s"], default_interval="1s", label="progress")
    )
    cancel_button = mo.ui.button(
        label="Cancel", kind="danger", on_click=lambda _: replay_job.cancel()
    )
    mo.md("") if ticker is None else mo.hstack(
        [cancel_button, ticker], justify="start", align="center"
    )
    return cancel_button, ticker


@app.cell
def progress(mo, replay_job, set_finished, ticker):
    ticker  # redrawn at every tick, and once more when the ticker goes
    # Tells the page, once, that the replay has ended (this cell, not the ticker's own,
    # sets it, so the ticker's cell is drawn again without it).
    replay_job.deliver(set_finished)
    mo.callout(
        mo.md(replay_job.status_text()),
        kind="info" if not replay_job.done else "warn" if replay_job.cancelled else "success",
    )
    return


@app.cell
def replay_outcome(get_finished, mo, replay_job):
    get_finished()  # drawn again when the replay ends
    mo.stop(not replay_job.done, mo.md("*The summary appears when the replay ends.*"))
    outcome = replay_job.outcome
    return (outcome,)


@app.cell
def summary(mo, outcome):
    mo.stop(
        outcome.error is not None,
        mo.callout(mo.md(f"**No replay:** {outcome.error}"), kind="warn"),
    )
    replay = outcome.value
    mo.vstack(
        [
            mo.callout(
                mo.md(
                    "**Cancelled**: the tables and charts cover only the days walked before "
                    "the cancel."
                ),
                kind="warn",
            )
            if replay.cancelled
            else mo.md(""),
            # The feature cache's warnings and rejected rows (a poisoned cache), if any.
            mo.callout(mo.md("\n\n".join(replay.notices)), kind="warn")
            if replay.notices
            else mo.md(""),
            mo.md(
                "**Headline**: policy minus never, policy minus daily, and each policy "
                "minus the market, on the same games, with the 95 % date-block bootstrap "
                "interval (lower is better: a negative difference favours the first named)."
            ),
            mo.md("\n".join(f"- {row}" for row in replay.headline["text"])),
            mo.md(
                "**Season summary**: each policy's primary metric on the games all of them "
                "predicted, the market's on the priced ones, and how often each trained. "
                "*winner*: the lowest metric per target; whether it is clearly better is "
                "the headline's interval to say."
            ),
            mo.ui.table(replay.summary, selection=None, label="Summary", show_data_types=False),
        ]
    )
    return (replay,)


@app.cell
def script_summary(control_defaults, nb, replay):
    # A script run says what it replayed and writes --out; the app prints nothing.
    nb.report_replay(replay, control_defaults.out)
    return


@app.cell
def headline_chart(charts, mo, replay):
    mo.stop(replay.headline.is_empty(), mo.md("*No game predicted yet: no headline.*"))
    interval_chart = charts.replay_headline_chart(replay.headline)
    interval_chart
    return (interval_chart,)


@app.cell
def timeline_target(mo, replay):
    replay_targets = replay.timeline["target"].unique(maintain_order=True).to_list()
    chart_target = mo.ui.dropdown(options=replay_targets, value=replay_targets[0], label="Chart")
    chart_target
    return (chart_target,)


@app.cell
def timeline(chart_target, charts, mo, nb, replay):
    replay_chart = charts.replay_chart(replay.timeline, nb.Target(chart_target.value))
    decisions = replay.timeline.filter(
        (replay.timeline["target"] == chart_target.value) & (replay.timeline["action"] != "")
    ).drop("game_ids", "predictions")
    mo.vstack(
        [
            mo.md("The metric over the season (rolling mean) per policy; rules mark promotions."),
            replay_chart,
            mo.ui.table(
                decisions,
                selection=None,
                label="Decisions, day by day",
                show_data_types=False,
            ),
        ]
    )
    return (replay_chart,)


if __name__ == "__main__":
    app.run()
