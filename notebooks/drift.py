import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="MLB models: drift")


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

    mo.Html(_links("drift", mo.query_params().to_dict()))
    return


@app.cell
def header(mo):
    mo.md(r"""
    # Drift

    Has what the model leans on changed (gain importance of the champion against its
    previous version, or a challenger fitted now when it has none), and has what it sees
    changed (each feature's distribution in the champion's training window against the
    recent window)? The distribution verdict is a test corrected for testing every
    feature at once: a two-sample Kolmogorov-Smirnov p-value per feature, then
    Benjamini-Hochberg at the false discovery rate `RETRAINING__DRIFT_FDR` (5 %). With
    fewer than `RETRAINING__DRIFT_MIN_RECENT_GAMES` (50) recent games it says "too few
    games". PSI and the Wasserstein distance (in training standard deviations) show how
    far a feature moved; they do not make the verdict. The verdict feeds `mlb retrain`.

    A change of data source is not drift: a feature that was missing in the training
    window and is present now (a new feed such as betting splits), or the reverse, or a
    change in which books priced the games. The verdict then says "data source changed"
    and names it; those features, like the calendar ones, are shown in grey and not judged.
    The retrain decision (*Fit challenger* below, and the scheduled retrain) takes a change
    of data source as its own reason to retrain, not as drift: the champion learned the old
    source, and a challenger is fitted on a window that includes the new one (it still
    replaces the champion only if it beats it on games neither has seen).
    """)
    return


@app.cell
def defaults(nb):
    control_defaults, first_date, last_date = nb.lifecycle_defaults()
    return control_defaults, first_date, last_date


@app.cell
def controls(control_defaults, first_date, last_date, mo, nb):
    widgets = nb.lifecycle_widgets(
        control_defaults, first_date, last_date, "Recent window (days)", 60
    )
    target, days, as_of = widgets.target, widgets.days, widgets.as_of
    drift_button = mo.ui.run_button(label="Measure drift", kind="success")
    widgets.row(drift_button)
    return as_of, days, drift_button, target


@app.cell
def memory(mo):
    # The last measurement stays on the page while the controls change, until pressed again.
    get_last_drift, set_last_drift = mo.state(None)
    return get_last_drift, set_last_drift


@app.cell
def measurement(as_of, cards, days, drift_button, get_last_drift, mo, nb, set_last_drift, target):
    asked = f"{target.value}, the {days.value} days before {as_of.value}"
    if drift_button.value or nb.script_mode():
        with mo.status.spinner(title="Measuring drift", subtitle="importance and distributions"):
            set_last_drift((asked, nb.drift(target.value, days.value, as_of.value)))
    last_drift = get_last_drift()
    mo.stop(last_drift is None, mo.md("Press **Measure drift**."))
    shown_asked, outcome = last_drift
    mo.output.replace(
        mo.md(
            cards.last_result_note(
                "the drift",
                shown_asked,
                shown_asked == asked,
                "press **Measure drift** to measure again",
            )
        )
    )
    return (outcome,)


@app.cell
def verdict(mo, outcome):
    mo.stop(
        outcome.error is not None,
        mo.callout(mo.md(f"**No drift report:** {outcome.error}"), kind="warn"),
    )
    report = outcome.value
    importance_line = ", ".join(f"{k} {v:.3f}" for k, v in report.importance.items())
    mo.callout(
        mo.md(
            f"**Verdict: {report.verdict}.** Importance against {report.reference}: "
            f"{importance_line}." + "".join(f"\n\n- {reason}" for reason in report.reasons)
        ),
        kind={"drift": "warn", "data source changed": "info"}.get(report.verdict, "success"),
    )
    return (report,)


@app.cell
def script_summary(control_defaults, nb, report):
    # A script run says what it measured and writes --out; the app prints nothing.
    nb.report_drift(report, control_defaults.out)
    return


@app.cell
def importance(charts, mo, report):
    importance_chart = charts.importance_change_chart(report.importance_changes, report.reference)
    mo.vstack(
        [
            mo.md("The features whose share of the model's gain moved most."),
            importance_chart,
        ]
    )
    return (importance_chart,)


@app.cell
def distributions(charts, mo, ops, report):
    psi_chart = charts.psi_chart(report.distributions)
    feature_table = ops.drift_table(report.distributions)
    feature_rows = mo.ui.table(
        feature_table,
        selection="single",
        show_data_types=False,
        style_cell=ops.greyed_unjudged(feature_table),
        format_mapping=ops.DRIFT_TABLE_FORMATS,
        page_size=15,
        label="Every feature: pick one to see its histograms below",
    )
    mo.vstack(
        [
            mo.md(
                "Each feature's PSI, training window against recent window, coloured by the "
                "corrected KS test (red: drift at the FDR); dashed lines at PSI's usual 0.1 "
                "and 0.25, for reference. Orange: moved by a change of data source; grey: "
                "calendar features. Both are shown, not judged, and listed last."
            ),
            psi_chart,
            feature_rows,
        ]
    )
    return feature_rows, feature_table, psi_chart


@app.cell
def feature_picker(feature_table, mo):
    feature_choice = mo.ui.dropdown(
        options=feature_table["feature"].to_list(),
        value=feature_table["feature"][0],
        label="Feature (a row picked in the table wins)",
    )
    feature_choice
    return (feature_choice,)


@app.cell
def histogram(charts, feature_choice, feature_rows, mo, ops, report):
    # A row picked in the table wins; the dropdown serves when none is picked.
    drilled_feature = ops.picked_feature(feature_rows.value, feature_choice.value)
    histogram_chart = charts.feature_histogram_chart(report.histograms, drilled_feature)
    mo.vstack(
        [
            mo.md(
                f"**{drilled_feature}**: its values in the champion's training window "
                "against the recent window, each as a share of its games."
            ),
            histogram_chart,
        ]
    )
    return drilled_feature, histogram_chart


@app.cell
def challenger_controls(mo):
    challenger_button = mo.ui.run_button(label="Fit challenger", kind="warn")
    mo.vstack(
        [
            mo.md(
                "**Act on it.** *Fit challenger* makes the retrain decision for this target "
                "as of the date above, as the scheduled retrain does: the policy decides "
                "whether to fit a challenger, and the challenger becomes the champion only "
                "if it beats it on games neither has seen. It logs to MLflow."
            ),
            challenger_button,
        ]
    )
    return (challenger_button,)


@app.cell
def challenger(as_of, challenger_button, mo, ops, target):
    mo.stop(not challenger_button.value, mo.md(""))
    with mo.status.spinner(title="Retrain decision", subtitle=f"{target.value}"):
        fitted = ops.fit_challenger(target.value, as_of.value)
    mo.callout(
        mo.md(
            f"**No decision:** {fitted.error}"
            if fitted.error
            else f"Retrain decision for {target.value}: {fitted.value}"
        ),
        kind="danger" if fitted.error else "info",
    )
    return (fitted,)


if __name__ == "__main__":
    app.run()
