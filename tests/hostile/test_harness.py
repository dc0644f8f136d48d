"""The harness itself: a bad argument gives one line and exit 2, and the checks catch a
traceback."""

import pytest

from hostile.harness import BAD_INPUT, Outcome, assert_one_clear_line, run_mlb, tree_digest


def test_an_unknown_target_is_one_line_and_exit_2(tmp_path):
    outcome = run_mlb(["evaluate", "no_such_target"], tmp_path / "state")
    assert_one_clear_line(outcome, BAD_INPUT)


def test_the_checks_catch_a_traceback_and_too_many_lines(tmp_path):
    with pytest.raises(AssertionError):
        assert_one_clear_line(Outcome(1, "", "Traceback (most recent call last):\n"), 1)
    with pytest.raises(AssertionError):
        assert_one_clear_line(Outcome(2, "a\nb\nc\nd\n", ""), 2)
    (tmp_path / "f").write_text("x")
    before = tree_digest(tmp_path)
    (tmp_path / "f").write_text("y")
    assert tree_digest(tmp_path) != before
