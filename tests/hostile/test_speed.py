"""Hostile thread settings: TRAINING__NUM_THREADS is LightGBM's thread count for every fit
and prediction; a value it cannot be is one line naming the variable and exit 2, before any
data is read or any store touched."""

import pytest

from hostile.harness import BAD_INPUT, assert_one_clear_line, run_mlb


@pytest.mark.parametrize(
    ("value", "command"),
    [
        ("0", ["train"]),  # LightGBM's 0 means every core: the default this setting replaces
        ("-1", ["train"]),
        ("many", ["train"]),
        ("1.5", ["train"]),
        ("100000", ["train"]),
        ("0", ["predict", "--start", "2016-09-01", "--end", "2016-09-02", "--out", "{out}"]),
        ("0", ["evaluate", "moneyline_home_win"]),
    ],
)
def test_a_thread_count_it_cannot_be_is_one_line(tmp_path, value, command):
    state, out = tmp_path / "state", tmp_path / "predictions.csv"
    args = [arg.format(out=out) for arg in command]
    outcome = run_mlb(args, state, env={"TRAINING__NUM_THREADS": value})
    assert_one_clear_line(outcome, BAD_INPUT, mentions=f"TRAINING__NUM_THREADS='{value}'")
    assert not state.exists() and not out.exists()  # refused before any store or file


@pytest.mark.parametrize("repeat", ["0", "-3"])
def test_a_bench_of_no_runs_is_one_line(tmp_path, repeat):
    outcome = run_mlb(["bench", "train", "--loaded", "--repeat", repeat], tmp_path / "state")
    assert_one_clear_line(outcome, BAD_INPUT, mentions=f"--repeat {repeat}")
