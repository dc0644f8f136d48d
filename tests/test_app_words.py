"""The app's messages name controls and pages, never the CLI's flags."""

import re

import pytest

from mlbcore.errors import MlbError
from mlbcore.notebook import run
from mlbcore.notebook.words import in_app_words


@pytest.mark.parametrize(
    ("cli", "app"),
    [
        (
            "moneyline_home_win: the window 2016-04-03..2016-04-10 has 40 labelled games; "
            "training needs at least 150 (widen --days)",
            "moneyline_home_win: the window 2016-04-03..2016-04-10 has 40 labelled games; "
            "training needs at least 150 (widen the window)",
        ),
        ("--days must be a positive number of days, got 0",
         "the window (days) must be a positive number of days, got 0"),
        ("--as-of must be an ISO date or date-time, got 'x'",
         "the as-of date must be an ISO date or date-time, got 'x'"),
        ("total_over_under has no champion yet for demo data; run `mlb train` first",
         "total_over_under has no champion yet for demo data; train one on the Train page first"),
        ("--season 2015: no games in season 2015", "the season 2015: no games in season 2015"),
        ("a weekly schedule needs --day-of-week (mon..sun)",
         "a weekly schedule needs the day of week (mon..sun)"),
    ],
)  # fmt: skip
def test_a_flag_becomes_the_control_or_the_action(cli, app):
    assert in_app_words(cli) == app
    assert not re.search(r"--[a-z]", in_app_words(cli))


def test_a_page_job_shows_the_app_words(monkeypatch):
    monkeypatch.setattr("mlbcore.notebook.jobs.script_mode", lambda: False)

    def job() -> None:
        raise MlbError("too few games (widen --days)")

    assert run(job).error == "too few games (widen the window)"
