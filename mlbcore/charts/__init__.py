"""Altair charts shared by the notebooks and reports, so the app, a script run and a
report draw the same thing: pure, data in and a chart out. One module per subject:
``model`` (importance, calibration, metrics over time, bankroll), ``drift``, ``lifecycle``
(job history, replay) and ``render`` (PNG and SVG). Callers use ``charts.X``."""

from mlbcore.charts.drift import feature_histogram_chart, importance_change_chart, psi_chart
from mlbcore.charts.lifecycle import (
    POLICY_COLOURS,
    POLICY_SCALE,
    job_history_chart,
    replay_chart,
    replay_headline_chart,
)
from mlbcore.charts.model import (
    bankroll_chart,
    calibration_chart,
    importance_chart,
    metrics_over_time_chart,
)
from mlbcore.charts.render import PNG_SCALE, to_png, to_svg

__all__ = [
    "PNG_SCALE",
    "POLICY_COLOURS",
    "POLICY_SCALE",
    "bankroll_chart",
    "calibration_chart",
    "feature_histogram_chart",
    "importance_change_chart",
    "importance_chart",
    "job_history_chart",
    "metrics_over_time_chart",
    "psi_chart",
    "replay_chart",
    "replay_headline_chart",
    "to_png",
    "to_svg",
]
