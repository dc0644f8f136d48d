from mlbcore.cli.main import main
from mlbcore.settings import DEMO_SNAPSHOT


def test_status_on_the_embedded_default(state_dir, capsys):
    assert main(["status", "--check"]) == 0
    out = capsys.readouterr().out
    assert "data    snapshot    up" in out and "redis   none        not configured" in out


def test_status_reports_real_back_ends_with_latency_and_version(
    monkeypatch, state_dir, pg_schema, redis_url, capsys
):
    monkeypatch.setenv("REDIS_URL", redis_url)
    # Its own schema, migrated and loaded here: never a schema an earlier run left behind.
    assert main(["db", "migrate"]) == 0
    assert main(["db", "load", "--data", str(DEMO_SNAPSHOT)]) == 0
    assert main(["status", "--detailed", "--check"]) == 0
    out = capsys.readouterr().out
    assert "data    postgresql  up" in out and " ms v" in out
    assert "redis   redis       up" in out and "feature cache hits" in out


def test_status_check_fails_when_a_configured_back_end_is_down(monkeypatch, state_dir, capsys):
    monkeypatch.setenv("REDIS_URL", "redis://:secret@127.0.0.1:1/0")
    for name, value in {
        "DATABASE_HOST": "127.0.0.1",
        "DATABASE_PORT": "1",
        "DATABASE_USERNAME": "root",
        "DATABASE_PASSWORD": "hunter2",
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["status", "--check"]) == 1
    out = capsys.readouterr().out
    assert out.count("DOWN") == 2
    assert "hunter2" not in out and "secret" not in out
    assert main(["status"]) == 0  # without --check it only reports


def test_stale_only_after_the_schedule_interval_plus_the_grace_period():
    from mlbcore.lifecycle.status import health_word
    from mlbcore.settings import RetrainingConfig, Settings

    settings = Settings(retraining=RetrainingConfig())  # daily schedule (24 h) + 12 h grace
    # A champion trained at one daily check is 24 h old at the next: not stale.
    assert health_word(settings, 24.5, 0.68, None) == "healthy"
    assert health_word(settings, 36.0, 0.68, None) == "healthy"
    assert health_word(settings, 36.1, 0.68, None) == "stale"
    strict = Settings(retraining=RetrainingConfig(stale_grace_hours=0))
    assert health_word(strict, 24.5, 0.68, None) == "stale"
    assert health_word(settings, 40.0, 0.68, 0.72) == "degraded"  # degraded comes first
    assert health_word(settings, None, None, None) == "no_models"


# Time is the data's: the champion, its age and its health as of an instant of the data.
MONEYLINE = "moneyline_home_win"


def _utc(day: str):
    from datetime import UTC, datetime

    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def _moneyline_status(**kwargs):
    from mlbcore.lifecycle.status import target_statuses
    from mlbcore.settings import load_settings

    return next(s for s in target_statuses(load_settings(), **kwargs) if s.target == MONEYLINE)


def test_status_is_judged_in_the_datas_time_never_the_wall_clock(state_dir, gate_off, capsys):
    """v1 trained as of 2016-06-01, v2 as of 2016-07-01; the demo's last result is on
    2016-10-02. Before v1 there is no champion (not a negative age); between the two, v1
    with a positive age; by default, v2 as of the data's last result."""
    for day in ("2016-06-01", "2016-07-01"):
        assert main(["train", "--as-of", day, "--targets", MONEYLINE]) == 0

    before = _moneyline_status(as_of=_utc("2016-05-15"))
    assert (before.version, before.age_hours, before.health) == (None, None, "no_models")
    assert "no champion yet as of 2016-05-15" in before.note and "v2" in before.note

    between = _moneyline_status(as_of=_utc("2016-06-15"))
    assert between.version == 1 and 0 < between.age_hours < 15 * 24
    assert between.as_of_basis.startswith("the as-of date, 2016-06-15")

    default = _moneyline_status()
    assert default.version == 2
    assert default.as_of_basis == "the data's last result, 2016-10-02 10:00 UTC"
    assert 90 * 24 < default.age_hours < 95 * 24  # from 2016-07-01, not from today

    capsys.readouterr()
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "as of the data's last result, 2016-10-02 10:00 UTC" in out
    assert "champion v2" in out and "92 days old" in out, out
    assert main(["status", "--as-of", "2016-05-15"]) == 0
    out = capsys.readouterr().out
    assert "no champion yet as of 2016-05-15" in out and " -" not in out.split("UTC:")[1]


def test_the_notebooks_status_takes_the_datas_time_too(state_dir, gate_off):
    from datetime import date

    from mlbcore.notebook import home_overview, schedules_and_history

    assert main(["train", "--as-of", "2016-07-01", "--targets", MONEYLINE]) == 0
    home = home_overview().value
    assert home["as_of_basis"] == "the data's last result, 2016-10-02 10:00 UTC"
    row = home["status"].row(0, named=True)
    assert (row["champion_version"], row["age"]) == (1, "92 days")
    early = schedules_and_history(date(2016, 6, 15)).value
    row = early["status"].row(0, named=True)
    assert row["champion_version"] is None and row["age"] is None
    assert early["as_of_basis"].startswith("the as-of date, 2016-06-15")
