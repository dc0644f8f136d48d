"""Champion changes a person decides: `mlb promote`, `mlb rollback` and `mlb train
--no-promote`, end to end on the demo season with the gate off."""

import pytest
from mlflow import MlflowClient

from mlbcore import tracking
from mlbcore.cli.main import main
from mlbcore.settings import load_settings
from mlbcore.targets import Target

pytestmark = pytest.mark.usefixtures("gate_off")
TARGET = Target.MONEYLINE_HOME_WIN
NAME = tracking.registered_model_name(TARGET.value, "demo")


def _train(*args: str) -> None:
    assert main(["train", "--targets", TARGET.value, *args]) == 0


def _champion() -> int | None:
    tracking.configure(load_settings())
    return tracking.champion_version(TARGET, "demo")


def _tags(version: int) -> dict[str, str]:
    return dict(MlflowClient().get_model_version(NAME, str(version)).tags)


@pytest.fixture
def two_champions(state_dir, capsys):
    """v1 trained as of 2016-06-01, then v2 as of 2016-07-01, each promoted."""
    for day in ("2016-06-01", "2016-07-01"):
        _train("--as-of", day)
    capsys.readouterr()
    assert _champion() == 2
    return state_dir


def test_rollback_puts_back_the_previous_champion_and_promote_brings_it_again(
    two_champions, capsys
):
    assert main(["rollback", TARGET.value, "--reason", "lost money in July"]) == 0
    assert "champion v2 -> v1 (lost money in July)" in capsys.readouterr().out
    assert _champion() == 1
    assert _tags(2)["rolled_back_reason"] == "lost money in July"
    assert "rolled back from v2: lost money in July" in _tags(1)["promoted_reason"]
    aliases = MlflowClient().get_registered_model(NAME).aliases
    assert aliases == {"champion": 1}  # v2 is not "previous": a rollback never returns to it
    words = {r.version: r.status for r in tracking.version_history(TARGET, "demo")}
    assert words == {2: "rolled back", 1: "champion"}

    # Nothing before v1: a second rollback says so, and nothing moves.
    assert main(["rollback", TARGET.value]) == 2
    assert "v1 is the only champion" in capsys.readouterr().err
    assert _champion() == 1

    assert main(["promote", TARGET.value, "v2", "--reason", "fixed the data"]) == 0
    assert "champion v1 -> v2 (fixed the data)" in capsys.readouterr().out
    assert _champion() == 2 and "rolled_back_reason" not in _tags(2)
    assert _tags(2)["promoted_reason"] == "fixed the data"
    assert MlflowClient().get_registered_model(NAME).aliases["previous_champion"] == 1
    assert main(["promote", TARGET.value, "2"]) == 0
    assert "already the champion; nothing moved" in capsys.readouterr().out


def test_train_no_promote_leaves_the_champion_and_promote_moves_it(two_champions, capsys):
    _train("--as-of", "2016-08-01", "--no-promote")
    out = capsys.readouterr().out
    assert "not promoted (promotion off): version 3 is registered" in out
    assert _champion() == 2
    assert tracking.version_history(TARGET, "demo")[0].status == "new"
    assert main(["promote", TARGET.value, "3"]) == 0
    assert "champion v2 -> v3 (promoted by hand with mlb promote)" in capsys.readouterr().out
    assert _champion() == 3
    assert main(["rollback", TARGET.value]) == 0
    assert _champion() == 2


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["promote", TARGET.value, "9"], "has no version 9 for demo data; versions: v1, v2"),
        (["promote", TARGET.value, "three"], "VERSION must be a registered version number"),
        (["promote", "spread", "1"], "unknown target 'spread'; valid targets:"),
        (["rollback", "spread"], "unknown target 'spread'; valid targets:"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(two_champions, capsys, args, said):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1 and "Traceback" not in err
    assert _champion() == 2


def test_an_unusable_version_is_refused(two_champions, capsys):
    tracking.mark_unusable(NAME, 1, "incomplete artifacts: model.pkl missing")
    assert main(["promote", TARGET.value, "1"]) == 2
    assert "v1 cannot be champion: incomplete artifacts" in capsys.readouterr().err
    assert _champion() == 2
    # An unusable version is no earlier champion to go back to either.
    assert main(["rollback", TARGET.value]) == 2
    assert "nothing to roll back to" in capsys.readouterr().err


def test_rollback_without_a_champion_says_so(state_dir, capsys):
    assert main(["rollback", TARGET.value]) == 2
    assert "has no champion for demo data to roll back" in capsys.readouterr().err
