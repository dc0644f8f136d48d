"""Durations and ages in words: one helper for model ages, the replay's ETA and a
runner's last beat."""

import pytest

from mlbcore.formatting import duration_text


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "0 s"),
        (45.4, "45 s"),
        (119.4, "119 s"),
        (119.6, "2 min"),  # rounded first: never "120 s"
        (25 * 60, "25 min"),
        (119 * 60, "119 min"),
        (2 * 3600, "2 h"),
        (47 * 3600, "47 h"),
        (48 * 3600, "2 days"),
        (92 * 86400, "92 days"),
        (364 * 86400, "364 days"),
        (3720 * 86400, "10.2 years"),
    ],
)
def test_each_unit_serves_until_two_of_the_next(seconds, words):
    assert duration_text(seconds) == words


def test_no_negative_durations_and_ago_says_just_now():
    assert duration_text(-3600) == "0 s"  # a clock a little behind: none, never "-1 h"
    assert duration_text(-5, ago=True) == "just now"
    assert duration_text(0.4, ago=True) == "just now"
    assert duration_text(20, ago=True) == "20 s ago"
    assert duration_text(3 * 86400, ago=True) == "3 days ago"


def test_an_age_in_hours_reads_the_same():
    assert duration_text(12 * 3600) == "12 h" and duration_text(24 * 92 * 3600) == "92 days"
    assert duration_text(-2218 * 3600) == "0 s"  # the schedules page once said "-2218 h"
