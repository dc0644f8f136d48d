"""The train notebook registers new versions without promoting them, and shows each
beside the champion and in its target's version history (run in process, as an app
would run it, so its cells' values can be read)."""

import importlib.util
from pathlib import Path

import pytest

from mlbcore import tracking
from mlbcore.cli.main import main
from mlbcore.settings import load_settings
from mlbcore.targets import Target

pytestmark = pytest.mark.usefixtures("gate_off")
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "train.py"
TARGET = Target.MONEYLINE_HOME_WIN


def _run_notebook(monkeypatch, *args: str) -> dict:
    monkeypatch.setattr("sys.argv", [str(NOTEBOOK), *args])
    spec = importlib.util.spec_from_file_location("train_notebook", NOTEBOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _, defs = module.app.run()
    return defs


def test_training_in_the_notebook_leaves_the_champion_and_shows_both(
    state_dir, monkeypatch, capsys
):
    assert main(["train", "--targets", TARGET.value, "--as-of", "2016-07-01"]) == 0
    monkeypatch.setenv("MLFLOW_UI_URL", "http://analyst:hunter2@mlflow.example:5000/")
    defs = _run_notebook(monkeypatch, "--targets", TARGET.value, "--days", "60")
    tracking.configure(load_settings())
    assert tracking.champion_version(TARGET, "demo") == 1  # v2 registered, not promoted
    assert defs["outcome"].asked == "moneyline_home_win; a 60-day window ending 2016-10-01"

    side_by_side = defs["side_by_side"].value
    new_row, champion_row = side_by_side.splitlines()[2:4]
    assert "| new | v2 | new: not promoted |" in new_row and "(60 days)" in new_row
    assert "| champion | v1 | champion |" in champion_row
    assert "95 % CI" in new_row and "95 % CI" in champion_row

    # Verdict cards open the page: the new version, then the champion beside it, each on
    # its own held-out games, named with their dates; betting measured at training.
    new_card, champion_card = defs["train_cards"]
    assert (new_card.role, champion_card.role) == ("new v2 (not promoted)", "champion v1")
    # The champion's health word as of the data's last result; a new version has none.
    assert new_card.health is None and champion_card.health in ("healthy", "degraded", "stale")
    assert "held out: " in new_card.detail and "2016-" in new_card.detail
    assert "refitted on the whole window" in new_card.detail
    assert "held out at its training: " in champion_card.detail and " games from 2016-" in (
        champion_card.detail
    )
    for card in (new_card, champion_card):
        assert "model minus market" in card.vs_market and "95 % CI" in card.vs_market
        assert "bets" in card.betting and "not measured" not in card.betting
        assert card.colour in ("green", "red", "neutral")

    history = defs["histories"].value[TARGET.value]
    assert "| v2 | new |" in history and "| v1 | champion |" in history
    # Links to the MLflow UI, never with the credentials of its URL.
    assert "](http://mlflow.example:5000/#/experiments/" in history
    assert "hunter2" not in history and "analyst" not in history
    assert defs["histories"].value[Target.TOTAL_OVER_UNDER.value] == "*No registered version yet.*"


def test_the_promote_and_roll_back_buttons_move_the_alias(state_dir, capsys):
    from mlbcore import notebook as nb

    for day in ("2016-06-01", "2016-07-01"):
        assert main(["train", "--targets", TARGET.value, "--as-of", day]) == 0
    assert list(nb.version_choices()) == ["moneyline_home_win v2", "moneyline_home_win v1"]
    assert nb.pressed_champion_move(False, None, False, TARGET.value, "") is None
    assert nb.pressed_champion_move(True, None, False, TARGET.value, "").error
    moved = nb.pressed_champion_move(False, None, True, TARGET.value, "bad week")
    assert moved.value == "moneyline_home_win: champion v2 -> v1 (bad week)"
    moved = nb.pressed_champion_move(True, (TARGET.value, 2), False, TARGET.value, "")
    assert moved.value == "moneyline_home_win: champion v1 -> v2 (promote in the train notebook)"
    moved = nb.pressed_champion_move(True, (TARGET.value, 7), False, TARGET.value, "")
    assert "has no version 7" in moved.error
