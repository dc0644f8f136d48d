"""One evaluation as people read it: its card (never green when the window reached into
the model's training), its tables (teams by name, integers, percentages), and logging to
MLflow only when asked."""

import dataclasses

import mlflow
import polars as pl
import pytest

from mlbcore.cli.main import main
from mlbcore.clock import parse_as_of
from mlbcore.data.teams import team_names
from mlbcore.settings import load_settings
from mlbcore.targets import Target
from mlbcore.training.bootstrap import Interval

pytestmark = pytest.mark.usefixtures("gate_off")


def _evaluation_runs() -> list:
    settings = load_settings()
    mlflow.set_tracking_uri(settings.tracking_uri)
    experiment = mlflow.get_experiment_by_name(settings.mlflow_experiment_name)
    return mlflow.search_runs(
        [experiment.experiment_id],
        filter_string="tags.run_type = 'evaluation'",
        output_format="list",
    )


def test_an_evaluation_reaching_into_training_warns_is_never_green_and_reads_well(
    state_dir, capsys
):
    from mlbcore.evaluation.bets_table import bets_table
    from mlbcore.evaluation.evaluate import evaluate
    from mlbcore.evaluation.evaluation_card import betting_table, evaluation_card, metrics_table

    assert main(["train", "--targets", "total_over_under", "--as-of", "2016-08-31"]) == 0
    capsys.readouterr()
    settings = load_settings()
    # The window reaches back into August: the model's training games, left out.
    result = evaluate(settings, Target.TOTAL_OVER_UNDER, 40, parse_as_of("2016-09-30"), log=False)
    assert result.run_id == "" and _evaluation_runs() == []
    assert result.games_before_training > 0
    card = evaluation_card(result)
    [warning] = [w for w in card.warnings if "before the model's training data ended" in w]
    assert "no verdict here is green" in warning
    # Even an interval wholly on the better side stays neutral with that warning.
    better = Interval("log_loss", -0.01, -0.02, -0.005, result.market_games, 28, 3, 2000)
    flattering = dataclasses.replace(
        result, out_of_sample=dataclasses.replace(result.out_of_sample, vs_market=better)
    )
    assert evaluation_card(flattering).colour == "neutral"
    assert evaluation_card(dataclasses.replace(flattering, games_before_training=0)).colour == (
        "green"
    )

    table = metrics_table(result)
    assert table.columns[0] == "metric" and "log_loss" in table["metric"].to_list()
    assert f"market, {result.market_games} priced games" in table.columns
    betting = {row["measure"]: row for row in betting_table(result).iter_rows(named=True)}
    assert betting["bets"]["value"] == str(result.bets.height)
    assert betting["flat-stake yield"]["value"].endswith(" %")
    bets = bets_table(Target.TOTAL_OVER_UNDER, result.bets)
    assert bets.height == result.bets.height > 0
    assert not {"side", "price_a", "price_b"} & set(bets.columns)
    assert bets["bet"].str.contains(r"^(over|under) \d+(\.\d)?$").all()
    assert bets["game"].str.contains(r"^[A-Z][a-z].* at [A-Z][a-z]").all()  # names, not codes

    # The CLI logs by default and not with --no-log.
    args = ["evaluate", "total_over_under", "--as-of", "2016-09-30", "--days", "20"]
    assert main([*args, "--no-log"]) == 0
    assert "not logged" in capsys.readouterr().out and _evaluation_runs() == []
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("total_over_under: ") and len(_evaluation_runs()) == 1
    [run] = _evaluation_runs()
    assert "eval_degenerate_prediction_spread" in run.data.metrics


def test_team_names_by_season():
    frame = pl.DataFrame(
        {
            "home": ["CLE", "CLE", "MIA", "XYZ"],
            "away": ["CIN"] * 4,
            "season": [2016, 2023, 2011, 2016],
        }
    )
    named = team_names(frame, ["home", "away"], "season")
    assert named["home"].to_list() == [
        "Cleveland Indians",
        "Cleveland Guardians",
        "Florida Marlins",
        "XYZ",  # no name known: kept as it was
    ]
    assert named["away"].unique().to_list() == ["Cincinnati Reds"]
    assert named.columns == frame.columns
