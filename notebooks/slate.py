import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="MLB models: slate")


@app.cell
def imports():
    import marimo as mo

    from mlbcore.lifecycle.slate_view import people_table, slate_heading, totals_rows
    from mlbcore.notebook import slate as page

    return mo, page, people_table, slate_heading, totals_rows


@app.cell
def navigation(mo):
    from mlbcore.notebook.pages import navigation as _links

    mo.Html(_links("slate", mo.query_params().to_dict()))
    return


@app.cell
def header(mo):
    mo.md(r"""
    # The slate

    What to bet on a date's games. Each game is priced at its cutoff (an hour before
    first pitch) and scored by the champion that was in place then, never by a model
    trained later. A bet is the side whose expected return per unit clears the minimum
    edge, staked by fractional Kelly of the bankroll. Once the games are over, each bet's
    result and profit, and the day's totals.
    """)
    return


@app.cell
def set_up(mo, page):
    ready = page.slate_set_up()
    mo.stop(
        ready.error is not None,
        mo.callout(mo.md(f"**Cannot read the data:** {ready.error}"), kind="danger"),
    )
    data = ready.value
    return (data,)


@app.cell
def controls(data, page):
    widgets = page.slate_widgets(data)
    widgets.row()
    return (widgets,)


@app.cell
def scoring(data, mo, page, widgets):
    with mo.status.spinner(title="Scoring the slate", subtitle="features, champions, prices"):
        outcome = page.slate_of(
            data,
            widgets.day.value,
            widgets.target.value,
            widgets.min_edge.value,
            widgets.bankroll.value,
        )
    return (outcome,)


@app.cell
def totals(mo, outcome, page, slate_heading, totals_rows, data):
    mo.stop(
        outcome.error is not None,
        mo.callout(mo.md(f"**No slate:** {outcome.error}"), kind="warn"),
    )
    result = outcome.value
    page.report_script_run(result, data.controls.out)
    mo.vstack(
        [
            mo.md(f"**{slate_heading(result)}**"),
            mo.hstack(
                [mo.stat(row["value"], label=row[""]) for row in totals_rows(result)],
                justify="start",
                wrap=True,
            ),
        ]
    )
    return (result,)


@app.cell
def games(mo, people_table, result):
    mo.vstack(
        [
            mo.md(
                "One row per game, first pitch in the park's time (UTC in brackets). "
                "*scored by* names the champion's version and the part of it that scored "
                "the game; *why* says why a game has no bet."
            ),
            mo.ui.table(
                people_table(result),
                selection=None,
                pagination=False,
                show_column_summaries=False,
                show_data_types=False,
                show_download=False,
                freeze_columns_left=["game"],
                label=f"{result.frame.height} games",
            ),
        ]
    )
    return


@app.cell
def download(mo, page, result):
    mo.download(
        data=page.slate_csv(result),
        filename=page.slate_file_name(result),
        mimetype="text/csv",
        label="Download the slate (CSV)",
    )
    return


if __name__ == "__main__":
    app.run()
