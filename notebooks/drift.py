import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="MLB models: drift")


@app.cell
def imports():
    import marimo as mo

    from mlbcore import charts
    from mlbcore import notebook as nb

    return charts, mo, nb


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
def measurement(as_of, days, drift_button, mo, nb, target):
    mo.stop(
        not (drift_button.value or nb.script_mode()),
        mo.md("Press **Measure drift**."),
    )
    with mo.status.spinner(title="Measuring drift", subtitle="importance and distributions"):
        outcome = nb.drift(target.value, days.value, as_of.value)
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
        kind="warn" if report.verdict == "drift" else "success",
    )
    return (report,)


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
def distributions(charts, mo, report):
    psi_chart = charts.psi_chart(report.distributions)
    mo.vstack(
        [
            mo.md(
                "Each feature's PSI, training window against recent window, coloured by the "
                "corrected KS test (red: drift at the FDR); dashed lines at PSI's usual 0.1 "
                "and 0.25, for reference. Grey: calendar features, shown but not judged."
            ),
            psi_chart,
            mo.ui.table(report.distributions, selection=None, label="Every feature"),
        ]
    )
    return (psi_chart,)


if __name__ == "__main__":
    app.run()
