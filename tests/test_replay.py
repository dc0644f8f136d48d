"""`mlb replay` on the demo season: a timeline per day, a summary per policy and a
headline of differences with intervals."""

from datetime import date, timedelta

import numpy as np
import polars as pl

from mlbcore.cli.main import main
from mlbcore.lifecycle.replay import headline


def test_replay_walks_the_season_and_compares_policies(state_dir, tmp_path, capsys):
    out = tmp_path / "replay.parquet"
    # One job: the progress lines come from this process (with more, from each worker).
    args = ["replay", "--season", "2016", "--targets", "run_total_regression", "--jobs", "1"]
    assert main([*args, "--policies", "policy", "never", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    printed = captured.out
    assert "policy" in printed and "never" in printed and "timeline (" in printed
    assert "shape:" not in printed and " f64 " not in printed  # a table for people
    # Progress on stderr: a line as each month of each policy's walk begins.
    for name in ("policy", "never"):
        started = [
            line.split(": ", 1)[1].split()[0]
            for line in captured.err.splitlines()
            if f"run_total_regression, policy {name}: " in line
        ]
        assert started == [f"2016-{month:02d}" for month in range(4, 11)], captured.err
    # The headline: policy minus never and each against the market, with intervals.
    assert "run_total_regression: policy minus never, rmse: " in printed
    assert "run_total_regression: never minus market, rmse: " in printed
    assert printed.count("95 % CI") == 3
    written = pl.read_parquet(tmp_path / "replay_headline.parquet")
    assert written["comparison"].to_list() == [
        "policy - never",
        "policy - market",
        "never - market",
    ]
    assert (written["ci_low"] <= written["difference"]).all()
    assert (written["difference"] <= written["ci_high"]).all()
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
    # Every skip was for too few new games, a healthy champion or a pending challenger.
    skips = policy.filter(pl.col("action") == "skip")["reasons"]
    assert skips.str.contains("new labelled games|healthy|pending").all()
    # A challenger is never judged on the day it is fitted: each retrain is followed by
    # a judgement at least comparison_days (7) later, and promotions after the first
    # champion happen only there.
    judged = policy.filter(pl.col("action") == "judge")
    assert judged.height >= 5
    fitted = retrains.filter(pl.col("reasons").str.contains("pending until"))["date"]
    for day in judged["date"]:
        assert day - fitted.filter(fitted < day).max() >= timedelta(days=7)
    later = policy.filter(pl.col("promoted") & (pl.col("date") > first))
    assert (later["action"] == "judge").all()
    # Judged with an interval, or refused for too few games unseen by both (the week of
    # the All-Star break).
    assert (
        judged["reasons"]
        .str.contains("challenger minus champion|comparison games unseen by both models")
        .all()
    )
    assert judged["reasons"].str.contains("challenger minus champion").sum() >= 5
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


def test_the_headline_gives_each_difference_an_interval_and_a_verdict_from_it():
    rng = np.random.default_rng(7)
    days = [date(2016, 5, 1) + timedelta(days=d) for d in range(40)]
    ids = [f"g{d}-{i}" for d in range(40) for i in range(15)]
    label = rng.integers(0, 2, len(ids)).astype(float)
    labels = pl.DataFrame(
        {
            "game_id": ids,
            "date": [day for day in days for _ in range(15)],
            "label": label,
            "market_prediction": np.where(label == 1, 0.6, 0.4),  # a sharp market
        }
    )
    noise = rng.normal(0, 0.02, len(ids))
    predictions = {
        "policy": np.clip(0.5 + noise, 0.01, 0.99),
        "never": np.clip(0.5 + rng.normal(0, 0.02, len(ids)), 0.01, 0.99),
        "daily": np.clip(np.where(label == 1, 0.3, 0.7) + noise, 0.01, 0.99),  # bad
    }
    timeline = pl.DataFrame(
        [
            {
                "policy": name,
                "target": "moneyline_home_win",
                "game_ids": ids[15 * d : 15 * (d + 1)],
                "predictions": values[15 * d : 15 * (d + 1)].tolist(),
            }
            for name, values in predictions.items()
            for d in range(40)
        ]
    )
    table = headline(timeline, {"moneyline_home_win": labels})
    rows = {row["comparison"]: row for row in table.iter_rows(named=True)}
    assert list(rows) == [
        "policy - never", "policy - daily", "policy - market", "never - market", "daily - market",
    ]  # fmt: skip
    assert rows["policy - never"]["verdict"] == "no clear difference"
    assert rows["policy - never"]["ci_low"] < 0 < rows["policy - never"]["ci_high"]
    assert rows["policy - never"]["text"].endswith("no clear difference")
    assert rows["policy - daily"]["verdict"] == "better"
    assert rows["policy - market"]["verdict"] == "worse"
    assert rows["daily - market"]["verdict"] == "worse"
    assert {row["games"] for row in rows.values()} == {600}
    assert {row["dates"] for row in rows.values()} == {40}
    # Only games every policy predicted count: drop one game from "daily".
    fewer = timeline.with_columns(
        pl.when(pl.col("policy") == "daily")
        .then(pl.col("game_ids").list.slice(1))
        .otherwise(pl.col("game_ids")),
        pl.when(pl.col("policy") == "daily")
        .then(pl.col("predictions").list.slice(1))
        .otherwise(pl.col("predictions")),
    )
    assert set(headline(fewer, {"moneyline_home_win": labels})["games"]) == {560}
