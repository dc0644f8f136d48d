from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from mlbcore.cli.main import main
from mlbcore.clock import parse_as_of
from mlbcore.evaluation.bets_table import BETS_SCHEMA
from mlbcore.evaluation.betting import BettingRules, bets, betting_summary
from mlbcore.settings import load_settings

# Downstream of training: needs champions the demo's models only get without the gate.
pytestmark = pytest.mark.usefixtures("gate_off")


def test_bets_take_the_side_with_the_edge_and_settle_flat_and_kelly():
    frame = pl.DataFrame(
        {
            "date": [date(2016, 4, d) for d in (1, 2, 3)],
            "first_pitch_utc": [datetime(2016, 4, d, tzinfo=UTC) for d in (1, 2, 3)],
            "prob": [0.6, 0.5, 0.3],
            "won_a": [1, 1, 1],
            "price_a": [100, -110, 150],
            "price_b": [-120, -110, -170],
            "close_a": [-105, -110, 160],
            "close_b": [-105, -110, -180],
        }
    )
    placed = bets(frame, BettingRules(edge_threshold=0.02, kelly_fraction=0.25, max_stake=0.05))
    assert placed["side"].to_list() == ["a", "b"]  # the -110/-110 coin flip has no edge
    assert placed["flat_profit"].to_list() == pytest.approx([1.0, -1.0])
    odds_b = 1 + 100 / 170
    stake_b = 0.25 * (0.7 * odds_b - 1) / (odds_b - 1)
    assert placed["kelly_stake"].to_list() == pytest.approx([0.05, stake_b])  # first capped
    summary = betting_summary(placed)
    assert summary.bets == 2 and summary.metrics()["flat_yield"] == pytest.approx(0.0)
    assert summary.kelly_bankroll == pytest.approx(1.05 * (1 - stake_b))
    assert placed["clv"][0] == pytest.approx(0.5 * 2.0 - 1)  # closed at a fair coin


def test_as_of_parsing():
    assert parse_as_of("2016-09-30") == datetime(2016, 9, 30, 23, 59, 59, 999999, tzinfo=UTC)
    assert parse_as_of("2016-09-30T18:00:00+00:00") == datetime(2016, 9, 30, 18, tzinfo=UTC)
    fixed = datetime(2020, 1, 1, tzinfo=UTC)
    assert parse_as_of(None, now=fixed) == fixed


def test_evaluate_logs_an_evaluation_run_linked_to_the_model(
    state_dir, capsys, monkeypatch, tmp_path
):
    import mlflow

    # Lightly regularised trees (the original design's), so the model moves off the
    # market's price and finds bets: the defaults boost it zero rounds here.
    for name, value in {"NUM_LEAVES": "31", "LEARNING_RATE": "0.05", "MIN_DATA_IN_LEAF": "50",
                        "LAMBDA_L2": "1"}.items():  # fmt: skip
        monkeypatch.setenv(f"MODELS__MONEYLINE_HOME_WIN__{name}", value)
    assert (
        main(
            ["train", "--targets", "moneyline_home_win", "--days", "60", "--end-date", "2016-05-31"]
        )
        == 0
    )
    capsys.readouterr()
    # Boosted 8 rounds from the market (a model that boosts 0 rounds is the market and
    # never finds an edge past the vig), it bets on June's first fortnight.
    bets_file = tmp_path / "out" / "bets.csv"
    args = ["--as-of", "2016-06-14", "--days", "13", "--out", str(bets_file)]
    assert main(["evaluate", "moneyline_home_win", *args]) == 0
    out = capsys.readouterr().out
    assert "log_loss" in out and "priced games: model" in out and "betting bets" in out
    # --out: the bets, one row per bet as people read them; the metrics beside them.
    placed = pl.read_csv(bets_file, try_parse_dates=True)
    assert list(placed.schema.items()) == list(BETS_SCHEMA.items())
    bet_count = int(out.split("betting bets ")[1].split()[0])
    assert placed.height == bet_count > 0
    assert f"wrote {bet_count} bets to {bets_file}" in out
    assert placed["game"].str.contains(" at ").all()
    assert set(placed["result"]) <= {"won", "lost"}
    games_and_sides = zip(placed["game"], placed["bet"], strict=True)
    assert all(bet in game.split(" at ") for game, bet in games_and_sides)  # a team, by name
    metrics = pl.read_csv(tmp_path / "out" / "bets_metrics.csv")
    assert "log_loss" in metrics["metric"].to_list()
    assert f"metric rows to {tmp_path / 'out' / 'bets_metrics.csv'}" in out
    # The market's comparison is printed once, among the baselines'.
    assert "model minus market on the" not in out and out.count("    vs the market: ") == 1
    # These days were never in the model's training window: no in-sample warning. Its
    # card flags what these light trees do: bet on most games.
    assert "before the model's training data ended" not in out and "left out" not in out
    assert "warning: bets on " in out and "% of the priced games" in out
    run_id = out.split("MLflow run ")[1].split()[0]
    settings = load_settings()
    mlflow.set_tracking_uri(settings.tracking_uri)
    run = mlflow.get_run(run_id)
    assert run.data.tags["run_type"] == "evaluation"
    assert run.data.tags["evaluated_model"] == "models:/mlb-demo-moneyline_home_win/1"
    assert "eval_log_loss" in run.data.metrics and "betting_kelly_bankroll" in run.data.metrics
    assert "betting_kelly_bankroll_ci_low" in run.data.metrics
    assert run.data.tags["betting_flat_yield_verdict"] in {"better", "worse", "no clear difference"}
    assert "betting kelly_bankroll" in out and "(95 % CI " in out
    # The baselines, fitted on the model's own training window, each with its interval.
    assert (
        "baselines fitted on the model's training games (" in out
        and "of 2016-04-02..2016-05-31, the window its training run logged" in out
    )
    baselines = ("the market", "the recalibrated market", "a regularised logistic model",
                 "the base rate")  # fmt: skip
    for words in baselines:
        line = next((li for li in out.splitlines() if li.startswith(f"    vs {words}: ")), "")
        assert "log_loss" in line and "95 % CI" in line, (words, out)
        assert line.endswith(("better", "worse", "no clear difference")), line
    for name in ("market", "recalibrated_market", "logistic", "base_rate"):
        for suffix in ("diff", "diff_ci_low", "diff_ci_high"):
            assert f"eval_vs_{name}_log_loss_{suffix}" in run.data.metrics, (name, suffix)
        low = run.data.metrics[f"eval_vs_{name}_log_loss_diff_ci_low"]
        high = run.data.metrics[f"eval_vs_{name}_log_loss_diff_ci_high"]
        assert low <= run.data.metrics[f"eval_vs_{name}_log_loss_diff"] <= high
        assert run.data.tags[f"verdict_vs_{name}"] in {"better", "worse", "no clear difference"}
        assert f"eval_baseline_{name}_log_loss" in run.data.metrics
    assert run.data.params["baseline_window_end_date"] == "2016-05-31"
    assert "eval_baseline_fit_logistic_penalty" in run.data.metrics
    charts = mlflow.MlflowClient().list_artifacts(run_id, "charts")
    assert [c.path for c in charts] == [
        "charts/bankroll.png",
        "charts/calibration.png",
        "charts/metrics_over_time.png",
    ]
    png = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="charts/bankroll.png")
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2019-01-01"], "no finished games in the 7 days before 2019-01-01"),
        (["--as-of", "yesterday"], "--as-of must be an ISO date or date-time"),
        (["--days", "0", "--as-of", "2016-09-01"], "--days must be a positive"),
        (["--out", "bets.txt"], "--out: the bets table is written as CSV: give a file ending"),
    ],
)
def test_evaluate_bad_input(state_dir, capsys, args, message):
    assert main(["evaluate", "moneyline_home_win", *args]) == 2
    assert message in capsys.readouterr().err


def test_evaluating_on_games_the_model_trained_on_says_so(state_dir, capsys):
    args = ["train", "--targets", "moneyline_home_win", "--days", "60", "--end-date", "2016-08-31"]
    assert main(args) == 0
    capsys.readouterr()
    assert main(["evaluate", "moneyline_home_win", "--as-of", "2016-09-03", "--days", "7"]) == 0
    out = capsys.readouterr().out
    # August's games (West-coast night games of Aug 31 start on Sept 1 UTC) were left out.
    assert "warning: " in out and "were left out: scores on them would be in-sample" in out


def test_evaluate_scores_only_games_after_the_training_data_and_labels_the_rest(state_dir, capsys):
    import mlflow

    from mlbcore import tracking
    from mlbcore.evaluation.evaluate import evaluate
    from mlbcore.targets import Target

    assert main(["train", "--targets", "moneyline_home_win", "--as-of", "2016-08-31"]) == 0
    capsys.readouterr()
    settings = load_settings()
    as_of = parse_as_of("2016-09-14")
    # The window reaches back into August: those games are the model's training data.
    result = evaluate(settings, Target.MONEYLINE_HOME_WIN, 30, as_of)
    trained_as_of = parse_as_of("2016-08-31")
    assert result.trained_as_of == trained_as_of
    assert result.scored["first_pitch_utc"].min() > trained_as_of
    assert result.in_sample is None
    assert any("left out" in notice for notice in result.notices)
    assert result.market_games <= result.games
    assert result.vs_market is not None and result.vs_market.games == result.market_games

    both = evaluate(settings, Target.MONEYLINE_HOME_WIN, 30, as_of, include_in_sample=True)
    assert both.games == result.games and both.in_sample is not None
    assert both.in_sample.scored["first_pitch_utc"].max() <= trained_as_of
    assert both.in_sample.games > 0
    client = mlflow.MlflowClient()
    assert client.get_run(result.run_id).data.tags["in_sample_games"] == "0"
    tagged = client.get_run(both.run_id).data
    assert tagged.tags["in_sample_games"] == str(both.in_sample.games)
    assert "in_sample_log_loss" in tagged.metrics

    # Status trusts only the evaluation without in-sample games, though it is older.
    from mlbcore.lifecycle.status import target_statuses

    tracking.configure(settings)
    (status,) = [
        s for s in target_statuses(settings, as_of) if s.target is Target.MONEYLINE_HOME_WIN
    ]
    assert status.last_evaluation["log_loss"] == pytest.approx(result.metrics["log_loss"])


def test_a_window_wholly_inside_the_training_data_is_refused(state_dir, capsys):
    assert main(["train", "--targets", "moneyline_home_win", "--as-of", "2016-08-31"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "moneyline_home_win", "--as-of", "2016-08-20", "--days", "7"]) == 2
    err = capsys.readouterr().err
    assert "inside the model's training data" in err and "--include-in-sample" in err
    args = ["evaluate", "moneyline_home_win", "--as-of", "2016-08-20", "--days", "7"]
    assert main([*args, "--include-in-sample"]) == 0
    out = capsys.readouterr().out
    assert "out of sample: 0 games" in out and "IN-SAMPLE" in out


def test_baselines_are_fitted_only_on_the_models_training_games(state_dir, capsys):
    """Planted: the scored games' results turned around. The baselines' fit must not move
    (they never saw those games), while their out-of-sample comparisons do."""
    import dataclasses

    import mlflow
    import numpy as np

    from mlbcore.data.source import load_data
    from mlbcore.data.timing import result_known_at_utc
    from mlbcore.evaluation.evaluate import WINDOW_FROM_RUN, baseline_table, evaluate
    from mlbcore.feature_cache.cached_features import features_for
    from mlbcore.targets import Target

    args = ["train", "--targets", "moneyline_home_win", "--days", "60", "--end-date", "2016-05-31"]
    assert main(args) == 0
    capsys.readouterr()
    settings = load_settings()
    snapshot = load_data(settings)
    features = features_for(snapshot, settings)
    target, as_of = Target.MONEYLINE_HOME_WIN, parse_as_of("2016-06-14")
    result = evaluate(settings, target, 13, as_of, log=False, loaded=(snapshot, features))
    fit = result.baselines
    assert fit is not None and fit.window_from == WINDOW_FROM_RUN
    assert (fit.window.start_date, fit.window.end_date) == (date(2016, 4, 2), date(2016, 5, 31))
    assert fit.last_first_pitch_utc < result.trained_as_of < result.scored["first_pitch_utc"].min()
    # The base rate is the home-win rate of the window's games known when training ended.
    known = snapshot.games.with_columns(result_known_at_utc()).filter(
        pl.col("date").is_between(date(2016, 4, 2), date(2016, 5, 31))
        & (pl.col("result_known_at_utc") <= result.trained_as_of)
        & pl.col("home_score").is_not_null()
    )
    assert fit.games == known.height
    home_won = (known["home_score"] > known["away_score"]).mean()
    assert fit.baselines.base_rate == pytest.approx(home_won)
    assert set(result.vs_baselines) == {"market", "recalibrated_market", "logistic", "base_rate"}
    table = baseline_table(target, result.out_of_sample)
    assert table["baseline"].to_list() == [
        "the market", "the recalibrated market", "a regularised logistic model", "the base rate",
    ]  # fmt: skip
    assert table["model minus baseline"].to_list() == pytest.approx(
        (table["model log_loss"] - table["baseline log_loss"]).to_list(), abs=2e-4
    )

    after = pl.col("first_pitch_utc") > result.trained_as_of
    turned = snapshot.games.with_columns(
        home_score=pl.when(after).then("away_score").otherwise("home_score"),
        away_score=pl.when(after).then("home_score").otherwise("away_score"),
    )
    planted = dataclasses.replace(snapshot, games=turned)
    again = evaluate(settings, target, 13, as_of, log=False, loaded=(planted, features))
    assert again.scored["label"].to_list() == (1 - result.scored["label"]).to_list()
    refit = again.baselines
    assert refit is not None and refit.games == fit.games
    assert refit.baselines.base_rate == fit.baselines.base_rate
    assert refit.baselines.penalty == fit.baselines.penalty
    assert refit.baselines.recalibration == fit.baselines.recalibration
    assert np.array_equal(
        refit.baselines.linear_model[-1].coef_, fit.baselines.linear_model[-1].coef_
    )
    assert again.vs_baselines["base_rate"].estimate != result.vs_baselines["base_rate"].estimate

    # Too few training games to fit: the evaluation still stands, with one notice saying so.
    recent = features.filter(pl.col("date") >= date(2016, 5, 29))
    thin = evaluate(settings, target, 13, as_of, loaded=(snapshot, recent))
    assert thin.baselines is None and thin.vs_baselines == {} and thin.vs_market is not None
    (notice,) = [n for n in thin.notices if "baselines" in n]
    assert "were not fitted" in notice and "game dates" in notice
    run = mlflow.MlflowClient().get_run(thin.run_id).data
    assert "game dates" in run.tags["baselines_not_fitted"]
    assert "eval_vs_logistic_log_loss_diff" not in run.metrics
    assert "eval_vs_market_log_loss_diff" in run.metrics
