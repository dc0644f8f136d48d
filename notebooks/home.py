import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="MLB models")


@app.cell
def imports():
    import marimo as mo

    from mlbcore import notebook as nb

    return mo, nb


@app.cell
def header(mo):
    mo.md(r"""
    # MLB betting models

    LightGBM models for the moneyline, the over/under and the run total, trained on
    what was known an hour before first pitch, tracked in MLflow and kept fresh by a
    retraining policy. Start here: is everything up, and how is each model doing?
    """)
    return


@app.cell
def overview(mo, nb):
    refresh_button = mo.ui.run_button(label="Refresh")
    home = nb.home_overview()
    refresh_button
    return home, refresh_button


@app.cell
def backends(home, mo, refresh_button):
    refresh_button.value  # re-read on Refresh
    mo.stop(
        home.error is not None,
        mo.callout(mo.md(f"**Cannot read the set-up:** {home.error}"), kind="danger"),
    )
    state = home.value
    mo.vstack(
        [
            mo.md("**Back ends** in use (data, MLflow store, feature cache)."),
            mo.callout(
                mo.md(
                    f"**Down:** {', '.join(state['down'])}. Start it, or unset its "
                    "setting to fall back to the embedded default."
                ),
                kind="danger",
            )
            if state["down"]
            else mo.md(""),
            mo.ui.table(state["backends"], selection=None, label="Back ends"),
        ]
    )
    return (state,)


@app.cell
def models(mo, state):
    mo.stop(state["status"] is None, mo.md("*Model status needs the back ends above.*"))
    kinds = {"healthy": "success", "stale": "warn", "degraded": "danger", "no_models": "neutral"}
    cards = [
        mo.callout(
            mo.md(
                f"**{row['target']}**\n\n# {row['health']}\n\n"
                + (
                    f"champion v{row['champion_version']}, {row['age']} old"
                    if row["champion_version"] is not None
                    else "no champion: run `mlb train`"
                )
            ),
            kind=kinds.get(row["health"], "neutral"),
        )
        for row in state["status"].iter_rows(named=True)
    ]
    mo.vstack(
        [
            mo.md("**Each target's champion** and its health word, as of now."),
            mo.hstack(cards, widths="equal"),
            mo.ui.table(state["status"], selection=None, label="Models"),
        ]
    )
    return


@app.cell
def links(mo):
    mo.md(r"""
    **Notebooks** (served together with `uv run marimo run notebooks/`):

    - [Train](?file=train.py): train the three targets on a window, beside the market
    - [Evaluate](?file=evaluate.py): a champion's recent metrics, calibration and betting results
    - [Drift](?file=drift.py): importance and feature-distribution drift
    - [Schedules](?file=schedule.py): schedules, job history and model health
    - [Replay](?file=replay.py): replay a season under the retraining policy
    """)
    return


if __name__ == "__main__":
    app.run()
