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
