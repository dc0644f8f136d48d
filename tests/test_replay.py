"""`mlb replay` on the demo season: a timeline per day and a summary per policy."""

import polars as pl

from mlbcore.cli.main import main


def test_replay_walks_the_season_and_compares_policies(state_dir, tmp_path, capsys):
    out = tmp_path / "replay.parquet"
    args = ["replay", "--season", "2016", "--targets", "run_total_regression"]
    assert main([*args, "--policies", "policy", "never", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "policy" in printed and "never" in printed and "timeline (" in printed
    timeline = pl.read_parquet(out)
    days = timeline.filter(pl.col("policy") == "never")
    assert days.height == timeline["date"].n_unique() == 162  # the demo season's game days
    # Before enough games have been played there is no champion and nothing is predicted.
    first = days.filter(pl.col("champion_version").is_not_null())["date"].min()
    assert (
        days.filter(pl.col("date") < first)["model_metric"].null_count()
        == days.filter(pl.col("date") < first).height
    )
    assert days.filter(pl.col("promoted"))["date"].to_list() == [first]  # never: one model
    policy = timeline.filter(pl.col("policy") == "policy")
    retrains = policy.filter(pl.col("action") == "retrain")
    assert retrains.height >= 10
    # Every skip between retrains was for too few new games or a healthy champion.
    skips = policy.filter(pl.col("action") == "skip")["reasons"]
    assert skips.str.contains("new labelled games|healthy").all()
    # Each day's games are predicted once, by the champion in hand.
    assert (
        policy.filter(pl.col("games") > 0)["model_metric"].null_count()
        == policy.filter((pl.col("games") > 0) & pl.col("champion_version").is_null()).height
    )


def test_replay_refuses_bad_input(state_dir, capsys):
    assert main(["replay", "--season", "1999"]) == 2
    assert "no games in season 1999; the data covers" in capsys.readouterr().err
    assert main(["replay", "--season", "2016", "--policy", "min_samples_for_retrain=0"]) == 2
    assert "--policy min_samples_for_retrain" in capsys.readouterr().err
    assert main(["replay", "--season", "2016", "--policy", "colour=blue"]) == 2
    assert "--policy takes KEY=VALUE" in capsys.readouterr().err
    assert main(["replay", "--season", "2016", "--out", "x.txt"]) == 2
