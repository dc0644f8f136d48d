import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="MLB models")


@app.cell
def imports():
    import marimo as mo

    from mlbcore import notebook as nb
    from mlbcore.notebook import cards

    return cards, mo, nb


@app.cell
def navigation(mo):
    from mlbcore.notebook.pages import navigation as _links

    mo.Html(_links("home", mo.query_params().to_dict()))
    return


@app.cell
def header(mo):
    mo.md(r"""
    # MLB betting models

    LightGBM models for the moneyline, the over/under and the run total, trained on
    what was known an hour before first pitch, tracked in MLflow and kept fresh by a
    retraining policy. Start here: does each champion beat the market, and is it healthy?
    """)
    return


@app.cell
def overview(mo):
    refresh_button = mo.ui.run_button(label="Refresh")
    refresh_button
    return (refresh_button,)


@app.cell
def reading(mo, nb, refresh_button):
    refresh_button.value  # re-read on Refresh
    home = nb.home_overview()
    mo.stop(
        home.error is not None,
        mo.callout(mo.md(f"**Cannot read the set-up:** {home.error}"), kind="danger"),
    )
    state = home.value
    return (state,)


@app.cell
def script_summary(nb, state):
    # A script run says what it read and writes --out; the app prints nothing.
    nb.report_home(state)
    return


@app.cell
def models(cards, mo, state):
    mo.stop(state["status"] is None, mo.md("*Model status needs the back ends below.*"))
    mo.vstack(
        [
            mo.md(
                "**Each target's champion**: its last out-of-sample evaluation against the "
                "market (green only when the model clearly beats it) and its health word, "
                f"with ages as of {state['as_of_basis']}."
            ),
            cards.verdict_cards(state["cards"]),
            cards.people_table(state["status"], label="Models"),
        ]
    )
    return


@app.cell
def backends(cards, mo, state):
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
            cards.people_table(state["backends"], label="Back ends"),
        ]
    )
    return


@app.cell
def links(mo):
    from mlbcore.notebook.pages import page_index as _page_index

    mo.Html(_page_index(mo.query_params().to_dict()))
    return


if __name__ == "__main__":
    app.run()
