import polars as pl
import pytest

from mlbcore.cli.main import main

# Downstream of training: needs champions the demo's models only get without the gate.
pytestmark = pytest.mark.usefixtures("gate_off")


@pytest.fixture
def trained(state_dir, capsys):
    assert (
        main(
            [
                "train",
                "--targets",
                "moneyline_home_win",
                "run_total_regression",
                "--days",
                "60",
                "--json",
            ]
        )
        == 0
    )
    import json

    return {t["target"]: t["mlflow_run_id"] for t in json.loads(capsys.readouterr().out)["targets"]}


def test_predict_writes_one_row_per_game_with_each_target_and_the_market(trained, tmp_path, capsys):
    out = tmp_path / "predictions.parquet"
    args = ["predict", "--targets", "moneyline_home_win", "run_total_regression"]
    assert main([*args, "--start", "2016-09-01", "--end", "2016-09-07", "--out", str(out)]) == 0
    frame = pl.read_parquet(out)
    assert frame["game_id"].is_unique().all()
    assert frame["date"].min().isoformat() == "2016-09-01"
    assert frame["date"].max().isoformat() == "2016-09-07"
    assert frame["moneyline_home_win_prob"].is_between(0, 1).all()
    assert frame["run_total_regression_runs"].is_between(3, 16).all()
    assert {"market_no_vig_home_prob", "market_total", "completeness"} <= set(frame.columns)


def test_predict_with_a_run_id_and_for_games_without_history(trained, tmp_path):
    out = tmp_path / "opening_day.csv"
    run_id = trained["moneyline_home_win"]
    args = ["predict", "--targets", "moneyline_home_win", "--model", run_id]
    assert main([*args, "--start", "2016-04-03", "--end", "2016-04-03", "--out", str(out)]) == 0
    frame = pl.read_csv(out)
    assert frame.height == 15 and frame["moneyline_home_win_prob"].null_count() == 0
    assert frame["completeness"].max() < 0.8  # no form yet on opening day


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2016-09-07", "--end", "2016-09-01"], "is before --start"),
        (
            ["--start", "2019-09-01", "--end", "2019-09-07"],
            "no games from 2019-09-01 to 2019-09-07",
        ),
        (
            ["--start", "2016-09-01", "--end", "2016-09-07", "--model", "x"],
            "--model must be champion or an MLflow run id",
        ),
        (
            ["--start", "2016-09-01", "--end", "2016-09-07", "--targets", "total_over_under"],
            "total_over_under has no champion yet for demo data",
        ),
    ],
)
def test_predict_bad_input(trained, tmp_path, capsys, args, message):
    out = tmp_path / "p.csv"
    assert main(["predict", *args, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_predict_refuses_an_unknown_file_type(trained, tmp_path, capsys):
    args = [
        "predict",
        "--targets",
        "moneyline_home_win",
        "--start",
        "2016-09-01",
        "--end",
        "2016-09-02",
    ]
    assert main([*args, "--out", str(tmp_path / "p.xlsx")]) == 2
    assert "--out must end in .csv or .parquet" in capsys.readouterr().err


def test_champions_are_kept_per_source_of_games(trained, real_snapshot_dir, tmp_path, capsys):
    # A demo champion never scores real games unasked: on Retrosheet data there is none.
    out = tmp_path / "real.csv"
    real = ["--start", "2016-09-01", "--end", "2016-09-03", "--data", str(real_snapshot_dir)]
    assert main(["predict", "--targets", "moneyline_home_win", *real, "--out", str(out)]) == 2
    assert "no champion yet for retrosheet data" in capsys.readouterr().err
    evaluate = ["evaluate", "moneyline_home_win", "--as-of", "2016-09-10"]
    assert main([*evaluate, "--data", str(real_snapshot_dir)]) == 2
    assert "no champion yet for retrosheet data" in capsys.readouterr().err
    # Named with --model, the demo model scores them, and says whose games it learned from.
    run_id = trained["moneyline_home_win"]
    args = ["predict", "--targets", "moneyline_home_win", *real, "--model", run_id]
    assert main([*args, "--out", str(out)]) == 0
    said = capsys.readouterr()
    assert "trained on demo data and is scoring retrosheet games" in said.out + said.err
    assert pl.read_csv(out).height > 0
