import numpy as np
import polars as pl
import pytest

from mlbcore.cli.main import main
from mlbcore.evaluation.drift import distribution_drift, importance_drift, psi, verdict

# Downstream of training: needs champions the demo's models only get without the gate.
pytestmark = pytest.mark.usefixtures("gate_off")


def test_psi_is_near_zero_for_the_same_distribution_and_large_for_a_shift():
    rng = np.random.default_rng(0)
    base = rng.normal(0, 1, 5000)
    assert psi(base, rng.normal(0, 1, 5000)) < 0.02
    assert psi(base, rng.normal(1, 1, 5000)) > 0.25
    with_missing = np.where(rng.random(5000) < 0.5, np.nan, rng.normal(0, 1, 5000))
    assert psi(base, with_missing) > 0.25  # missing values count as their own bin


def test_importance_drift_of_identical_and_reordered_models():
    same, changes = importance_drift({"a": 3.0, "b": 2.0, "c": 1.0}, {"a": 3.0, "b": 2.0, "c": 1.0})
    assert same["ndcg"] == pytest.approx(1.0) and same["spearman"] == pytest.approx(1.0)
    assert (changes["change"] == 0).all()
    old = {f"f{i}": float(20 - i) for i in range(20)}
    new = {f"f{i}": float(i) for i in range(20)}  # ranking reversed
    flipped, _ = importance_drift(old, new)
    assert flipped["spearman"] == pytest.approx(-1.0) and flipped["top10_overlap"] == 0
    word, reasons = verdict(
        flipped, pl.DataFrame({"feature": ["x"], "psi": [0.0], "level": ["ok"]})
    )
    assert word == "drift" and len(reasons) == 2


def test_calendar_features_are_shown_but_do_not_make_the_verdict():
    rng = np.random.default_rng(1)
    training = pl.DataFrame(
        {"month": rng.integers(4, 7, 500).astype(float), "x": rng.normal(0, 1, 500)}
    )
    recent = pl.DataFrame({"month": np.full(2000, 9.0), "x": rng.normal(0, 1, 2000)})
    table = distribution_drift(training, recent, ["month", "x"])
    assert table.filter(pl.col("feature") == "month")["level"].item() == "calendar"
    assert verdict(None, table)[0] == "stable"


def test_drift_command_compares_the_champion_with_its_previous_version(state_dir, capsys):
    for end in ("2016-07-31", "2016-08-31"):
        assert (
            main(["train", "--targets", "moneyline_home_win", "--days", "60", "--end-date", end])
            == 0
        )
    capsys.readouterr()
    assert main(["drift", "moneyline_home_win", "--as-of", "2016-09-30"]) == 0
    out = capsys.readouterr().out
    assert "importance drift (champion vs previous version): spearman" in out
    assert "PSI" in out and "verdict: " in out


def test_drift_outside_the_data_is_a_clear_error(state_dir, capsys):
    assert main(["drift", "moneyline_home_win", "--as-of", "2012-01-01"]) == 2
    assert "no games in the 7 days before 2012-01-01" in capsys.readouterr().err


def test_a_first_version_is_compared_with_a_challenger_fitted_as_of_now(state_dir, capsys):
    assert main(["train", "--targets", "total_over_under", "--as-of", "2016-07-31"]) == 0
    capsys.readouterr()
    assert main(["drift", "total_over_under", "--as-of", "2016-09-30"]) == 0
    out = capsys.readouterr().out
    assert "importance drift (champion vs a challenger fitted as of now): spearman" in out
    assert "top10_overlap" in out
