"""One model, one set of numbers: the registered model's predictions of the same games
agree to 1e-9 through every path that shows them (TargetModel.predict, `mlb predict`,
evaluate, the MLflow pyfunc, and the replay and assessment)."""

from datetime import UTC, date, datetime

import numpy as np
import polars as pl
import pytest

from mlbcore.cli.main import main
from mlbcore.data.snapshot import load_snapshot, write_snapshot
from mlbcore.features.build import build_features
from mlbcore.settings import load_settings
from mlbcore.targets import Target

# Downstream of training: needs a champion the demo's model only gets without the gate.
pytestmark = pytest.mark.usefixtures("gate_off")

TARGET = Target.MONEYLINE_HOME_WIN
URI = "models:/mlb-demo-moneyline_home_win/1"
FIRST, LAST = date(2016, 9, 1), date(2016, 9, 7)
TOLERANCE = 1e-9


@pytest.fixture
def partly_priced(tmp_path, demo_snapshot):
    """The demo season with every line of one game in four of September's first week
    removed, so both parts of the model have games to score."""
    games = demo_snapshot.games
    week = games.filter(pl.col("date").is_between(FIRST, LAST)).sort("game_id")
    unpriced = week["game_id"].gather_every(4)
    out = tmp_path / "snapshot"
    write_snapshot(
        {
            "games": games,
            "odds_lines": demo_snapshot.odds_lines.filter(
                ~pl.col("game_id").is_in(unpriced.implode())
            ),
            "betting_splits": demo_snapshot.betting_splits,
        },
        out,
        "demo with some prices removed",
        demo_snapshot.notices,
    )
    return out, set(unpriced.to_list())


def test_every_path_gives_the_same_predictions(state_dir, partly_priced, tmp_path, capsys):
    import mlflow

    from mlbcore import tracking
    from mlbcore.evaluation.evaluate import evaluate
    from mlbcore.lifecycle.assessment import compare
    from mlbcore.lifecycle.replay import Champion, replay_target
    from mlbcore.pyfunc_model import model_input
    from mlbcore.training.as_of import known_labelled
    from mlbcore.training.metrics import primary_score

    data, unpriced = partly_priced
    train = ["train", "--targets", TARGET.value, "--days", "60", "--end-date", "2016-08-31"]
    assert main([*train, "--data", str(data)]) == 0
    settings = load_settings()
    tracking.configure(settings)
    model = tracking.load_model(URI, settings.training.num_threads)

    snapshot = load_snapshot(data)
    features = build_features(snapshot).filter(pl.col("date").is_between(FIRST, LAST))
    expected = dict(zip(features["game_id"], model.predict(features), strict=True))
    parts = dict(zip(features["game_id"], model.parts(features), strict=True))
    assert {g for g, part in parts.items() if part == "market_free"} == unpriced

    def agrees(game_ids: pl.Series, predicted: np.ndarray) -> float:
        wanted = np.array([expected[g] for g in game_ids])
        assert len(wanted) > 0
        return float(np.abs(wanted - np.asarray(predicted)).max())

    # `mlb predict`, with the part that scored each game, and its counts.
    out = tmp_path / "predictions.parquet"
    args = ["predict", "--targets", TARGET.value, "--start", str(FIRST), "--end", str(LAST)]
    capsys.readouterr()
    assert main([*args, "--data", str(data), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    predicted = pl.read_parquet(out)
    assert agrees(predicted["game_id"], predicted["moneyline_home_win_prob"]) <= TOLERANCE
    assert (
        dict(zip(predicted["game_id"], predicted["moneyline_home_win_scored_by"], strict=True))
        == parts
    )
    free = len(unpriced)
    assert (
        f"{TARGET}: {len(parts) - free} games scored by the market part, {free} by the "
        "market-free part"
    ) in said

    # evaluate's scored games (out of sample: after the model's training data).
    as_of = datetime(2016, 9, 7, 23, 59, tzinfo=UTC)
    evaluation = evaluate(settings, TARGET, days=7, as_of=as_of, data=data, log=False)
    scored = evaluation.scored
    assert agrees(scored["game_id"], scored["prediction"]) <= TOLERANCE
    assert dict(zip(scored["game_id"], scored["scored_by"], strict=True)) == {
        g: parts[g] for g in scored["game_id"]
    }
    assert evaluation.out_of_sample.games_by_part()["market_free"] > 0

    # The MLflow pyfunc on a pandas frame of float64 features, NaN where missing.
    pyfunc = mlflow.pyfunc.load_model(URI)
    frame = model_input(features, model.input_features)
    assert frame.isna().to_numpy().any()  # the unpriced games reach the pyfunc as NaN
    assert agrees(features["game_id"], pyfunc.predict(frame)) <= TOLERANCE

    # The replay scores each day with its champion in hand ...
    season_days = sorted(set(features["date"].to_list()))
    champion = Champion(model, as_of, 0.69, (FIRST, LAST), 1)
    timeline = replay_target(
        TARGET, "never", settings.retraining, build_features(snapshot), snapshot.games,
        season_days, set(), settings, (champion, ""),
    )  # fmt: skip
    replayed = timeline.explode("game_ids", "predictions", "scored_by").drop_nulls("game_ids")
    assert agrees(replayed["game_ids"], replayed["predictions"].to_numpy()) <= TOLERANCE
    assert dict(zip(replayed["game_ids"], replayed["scored_by"], strict=True)) == {
        g: parts[g] for g in replayed["game_ids"]
    }
    # ... and the lifecycle's comparison scores the same predictions.
    week = known_labelled(build_features(snapshot), snapshot.games, TARGET, None).filter(
        pl.col("date").is_between(FIRST, LAST)
    )
    trained_as_of = datetime(2016, 8, 31, 23, 59, tzinfo=UTC)
    comparison = compare(TARGET, week, model, trained_as_of, model, trained_as_of)
    assert comparison.games == week.height
    wanted = np.array([expected[g] for g in week["game_id"]])
    assert comparison.champion_metric == pytest.approx(
        primary_score(TARGET, week["label"].to_numpy(), wanted), abs=TOLERANCE
    )
