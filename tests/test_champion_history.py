"""The champion in place at an instant of the data's time, and a target's version history:
a model trained on later games is never the champion of an earlier date."""

from datetime import UTC, datetime

import pytest
from mlflow import MlflowClient

from mlbcore import tracking
from mlbcore.cli.main import main
from mlbcore.settings import load_settings
from mlbcore.targets import Target

pytestmark = pytest.mark.usefixtures("gate_off")
TARGET = Target.MONEYLINE_HOME_WIN


def _utc(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.fixture
def two_champions(state_dir, capsys):
    """v1 trained as of 2016-06-01, then v2 as of 2016-07-01, each promoted."""
    for as_of in ("2016-06-01", "2016-07-01"):
        assert main(["train", "--as-of", as_of, "--targets", TARGET.value]) == 0
    capsys.readouterr()
    tracking.configure(load_settings())
    return state_dir


def test_the_champion_of_a_date_is_never_trained_after_it(two_champions):
    assert tracking.champion_version(TARGET, "demo") == 2
    assert tracking.champion_as_of(TARGET, "demo", _utc("2016-05-15")) is None
    assert tracking.champion_as_of(TARGET, "demo", _utc("2016-06-15")).version == 1
    assert tracking.champion_as_of(TARGET, "demo", _utc("2016-07-15")).version == 2


def test_a_rolled_back_version_is_not_the_champion_of_any_date(two_champions):
    name = tracking.registered_model_name(TARGET.value, "demo")
    MlflowClient().set_model_version_tag(name, "2", "rolled_back_reason", "lost money")
    tracking.set_champion(TARGET, "demo", 1, "rolled back from v2")
    assert tracking.champion_as_of(TARGET, "demo", _utc("2016-07-15")).version == 1
    words = {r.version: r.status for r in tracking.version_history(TARGET, "demo")}
    assert words == {2: "rolled back", 1: "champion"}


def test_version_history_names_each_version_newest_first(two_champions):
    history = tracking.version_history(TARGET, "demo")
    assert [r.version for r in history] == [2, 1]
    assert [r.status for r in history] == ["champion", "previous champion"]
    assert history[0].champion.trained_as_of_utc > history[1].champion.trained_as_of_utc
    assert history[0].created_utc.tzinfo is not None


def test_evaluate_scores_the_champion_in_place_at_its_as_of(two_champions):
    from mlbcore.errors import MlbError
    from mlbcore.evaluation.evaluate import evaluate

    settings = load_settings()
    then = evaluate(settings, TARGET, days=10, as_of=_utc("2016-06-25"), log=False)
    assert then.model_uri.endswith("/1")  # v2 was trained as of 2016-07-01: never used before it
    assert any("the champion in place" in n for n in then.notices)
    now = evaluate(settings, TARGET, days=10, as_of=_utc("2016-07-20"), log=False)
    assert now.model_uri.endswith("/2") and not any("in place" in n for n in now.notices)
    with pytest.raises(MlbError, match="no moneyline_home_win champion had been trained by"):
        evaluate(settings, TARGET, days=10, as_of=_utc("2016-05-20"), log=False)
