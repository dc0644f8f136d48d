import numpy as np
import polars as pl
import pytest

from mlbcore.cli.main import main
from mlbcore.clock import parse_as_of
from mlbcore.evaluation.drift import distribution_drift, drift_report, importance_drift, verdict
from mlbcore.evaluation.drift_statistics import benjamini_hochberg, psi
from mlbcore.settings import RetrainingConfig, load_settings
from mlbcore.targets import Target

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


def test_benjamini_hochberg_on_known_p_values():
    # By hand: sorted p 0.01, 0.03, 0.04, 0.5 times m / rank = 0.04, 0.06, 0.0533, 0.5;
    # the step-up minimum from the right gives q 0.04, 0.0533, 0.0533, 0.5.
    q = benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.5]))
    assert q == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.5])
    # Benjamini and Hochberg's (1995) own example: 15 p-values, 4 discoveries at 0.05
    # where Bonferroni makes 3 and testing each at 0.05 makes 9.
    p = np.array(
        [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
         0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.0000]
    )  # fmt: skip
    assert (benjamini_hochberg(p) <= 0.05).sum() == 4
    assert (benjamini_hochberg(p[::-1]) <= 0.05).sum() == 4  # order does not matter


def _windows(shifted: int, recent_games: int, seed: int = 0) -> tuple[pl.DataFrame, ...]:
    """A 1,000-game training window and a recent window over 40 features, the first
    ``shifted`` of them moved by half a standard deviation in the recent one."""
    rng = np.random.default_rng(seed)
    names = [f"f{i}" for i in range(40)]
    training = pl.DataFrame({n: rng.normal(0, 1, 1000) for n in names})
    recent = pl.DataFrame(
        {n: rng.normal(0.5 if i < shifted else 0.0, 1, recent_games) for i, n in enumerate(names)}
    )
    return training, recent


def test_the_corrected_rule_finds_a_planted_shift_and_nothing_in_noise():
    names = [f"f{i}" for i in range(40)]
    training, recent = _windows(shifted=2, recent_games=300)
    table = distribution_drift(training, recent, names)
    assert set(table.filter(pl.col("level") == "drift")["feature"]) == {"f0", "f1"}
    word, reasons = verdict(None, table, recent.height)
    assert word == "drift" and reasons[0].startswith("2 of 40 features differ")
    for seed in range(5):  # pure noise: nothing survives the correction
        training, recent = _windows(shifted=0, recent_games=100, seed=seed)
        table = distribution_drift(training, recent, names)
        assert verdict(None, table, recent.height)[0] == "stable"
        # The old rule (PSI above 0.1 on more than a fifth of the features) would have
        # called several of these drift: that is the noise this replaces.
    assert (table["psi"] > 0.1).sum() > 0


def test_too_few_recent_games_to_judge():
    names = [f"f{i}" for i in range(40)]
    training, recent = _windows(shifted=40, recent_games=49)
    table = distribution_drift(training, recent, names)
    word, reasons = verdict(None, table, recent.height)
    assert word == "too few games"
    assert reasons == ["too few games to judge feature distributions: 49 recent games (needs 50)"]
    lower = RetrainingConfig(drift_min_recent_games=40)
    assert verdict(None, table, recent.height, lower)[0] == "drift"


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
    assert "KS p" in out and "verdict: " in out


def test_the_readmes_drift_example_no_longer_flags_most_features(state_dir, capsys):
    # The README's example: `mlb train` on the demo data, then drift as of 2016-09-30.
    # PSI's bands flagged 47 of 70 features here.
    assert main(["train", "--targets", "moneyline_home_win"]) == 0
    capsys.readouterr()
    report = drift_report(load_settings(), Target.MONEYLINE_HOME_WIN, parse_as_of("2016-09-30"), 7)
    judged = report.distributions.filter(pl.col("level") != "calendar")
    flagged = judged.filter(pl.col("level") != "ok").height
    assert judged.height >= 60
    assert flagged < judged.height / 4, report.reasons
    assert not any("PSI" in reason or "features differ" in reason for reason in report.reasons)
    # PSI's flag band still marks a large share of them on these ~100 games: shown in
    # the table, no longer judged.
    assert (judged["psi"] > 0.1).sum() > judged.height / 3


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
