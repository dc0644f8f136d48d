"""The `mlb` command end to end: real MLflow (SQLite in a temporary state folder)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlbcore.cli.main import main
from mlbcore.settings import DEMO_SNAPSHOT, load_settings


def _mlflow_runs(state_dir: Path) -> list:
    import mlflow

    settings = load_settings()
    mlflow.set_tracking_uri(settings.tracking_uri)
    experiment = mlflow.get_experiment_by_name(settings.mlflow_experiment_name)
    if experiment is None:
        return []
    return mlflow.search_runs([experiment.experiment_id], output_format="list")


def test_train_logs_a_finished_run_per_target_with_model_params_metrics(state_dir, capsys):
    assert (
        main(
            [
                "train",
                "--targets",
                "moneyline_home_win",
                "run_total_regression",
                "--days",
                "60",
                "--json",
            ]
        )
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert [t["target"] for t in summary["targets"]] == [
        "moneyline_home_win",
        "run_total_regression",
    ]

    import mlflow

    runs = {r.info.run_id: r for r in _mlflow_runs(state_dir)}
    assert len(runs) == 2
    for target in summary["targets"]:
        run = runs[target["mlflow_run_id"]]
        assert run.info.status == "FINISHED"
        assert run.info.run_name.startswith(f"{target['target']}_")
        assert run.data.tags["target"] == target["target"]
        assert run.data.params["data_version"] == summary["data_version"]
        assert run.data.params["feature_set_version"] == summary["feature_set_version"]
        assert run.data.params["window_days"] == "60"
        primary = "log_loss" if target["target"] == "moneyline_home_win" else "rmse"
        for prefix in (
            "train_",
            "test_",
            "cv_mean_",
            "cv_std_",
            "baseline_market_",
            "baseline_base_rate_",
        ):
            assert f"{prefix}{primary}" in run.data.metrics
        artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(run.info.run_id)}
        assert {
            "feature_names.json",
            "feature_importance.json",
            "calibration.json",
            "feature_quality.json",
            "feature_quality_games.csv",
        } <= artifacts
        charts = mlflow.MlflowClient().list_artifacts(run.info.run_id, "charts")
        assert {(c.path, c.file_size > 5000) for c in charts} == {
            ("charts/importance.png", True),
            ("charts/calibration.png", True),
        }
        assert 0.9 < run.data.metrics["quality_completeness_mean"] <= 1.0
        # The registered model loads back and predicts from the artifacts in the state folder.
        model = mlflow.pyfunc.load_model(f"models:/mlb-demo-{target['target']}/1")
        assert len(model.metadata.get_input_schema().input_names()) > 50
        assert run.data.tags["vs_market"].startswith(
            ("beats the market by", "no clear difference from the market", "worse than the market")
        )
    assert (state_dir / "mlartifacts").is_dir()


def test_train_prints_a_results_table_with_baselines(state_dir, capsys):
    assert main(["train", "--targets", "total_over_under", "--days", "45"]) == 0
    out = capsys.readouterr().out
    assert (
        "total_over_under" in out and "market" in out and "base_rate" in out and "log_loss" in out
    )
    # Every column shown (none hidden behind "…"), no dtype row, no `shape:` line.
    (header,) = [line for line in out.splitlines() if "metric" in line and "cv_mean" in line]
    columns = {cell.strip() for cell in header.strip("│|").replace("┆", "|").split("|")}
    assert {"train", "cv_std", "test", "base_rate", "market", "logistic"} <= columns, header
    assert "…" not in out and "shape:" not in out and " f64 " not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--targets", "spread"],
            "unknown target 'spread'; valid targets: "
            "moneyline_home_win, total_over_under, run_total_regression",
        ),
        (["--days", "0"], "--days must be a positive number of days, got 0"),
        (["--end-date", "2019-05-01"], "end date 2019-05-01 is outside the data, which covers"),
        (["--end-date", "May 1"], "--end-date must be a date as YYYY-MM-DD, got 'May 1'"),
        (["--days", "8"], "labelled games; training needs at least 150 (widen --days)"),
        (["--data", "/nonexistent/snap"], "snapshot folder /nonexistent/snap does not exist"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_run(state_dir, capsys, args, message):
    assert main(["train", *args]) == 2
    err = capsys.readouterr().err.strip()
    errors = [line for line in err.splitlines() if not line.startswith("[")]  # progress lines
    assert len(errors) == 1 and errors[0].startswith("mlb: error: ") and message in errors[0]
    assert "Traceback" not in err
    assert _mlflow_runs(state_dir) == []


@pytest.mark.parametrize("bench", ["train", "replay", "slate"])
def test_a_bench_of_no_runs_is_refused_in_one_line(state_dir, capsys, bench):
    assert main(["bench", bench, "--repeat", "0"]) == 2
    assert capsys.readouterr().err.strip() == "mlb: error: --repeat 0: give at least 1 run"


def test_a_snapshot_whose_files_do_not_match_its_manifest_is_refused(state_dir, tmp_path, capsys):
    copy = tmp_path / "snap"
    shutil.copytree(DEMO_SNAPSHOT, copy)
    with (copy / "games.parquet").open("ab") as f:
        f.write(b"tampered")
    assert main(["train", "--data", str(copy)]) == 2
    assert "does not match the hash in its manifest" in capsys.readouterr().err


def test_an_invalid_setting_names_the_variable(state_dir, monkeypatch, capsys):
    monkeypatch.setenv("TRAINING__CROSS_VALIDATION_FOLDS", "many")
    assert main(["train"]) == 2
    assert "TRAINING__CROSS_VALIDATION_FOLDS='many'" in capsys.readouterr().err


def test_a_crash_while_logging_ends_the_run_failed_not_running(state_dir, monkeypatch, capsys):
    import mlflow

    def broken_log_dict(*args, **kwargs):
        raise OSError("disk full")

    # Fault injection inside MLflow's run: the run must still be closed as FAILED, and the
    # failed disk is one line and exit 1, not a traceback.
    monkeypatch.setattr(mlflow, "log_dict", broken_log_dict)
    assert main(["train", "--targets", "moneyline_home_win", "--days", "60"]) == 1
    assert "disk full" in capsys.readouterr().err
    statuses = [r.info.status for r in _mlflow_runs(state_dir)]
    assert statuses == ["FAILED"]


def test_help_imports_no_heavy_library():
    # `mlb --help` stays fast by importing MLflow, LightGBM and Polars only where used.
    code = (
        "import sys; from mlbcore.cli.main import build_parser; build_parser();"
        "heavy = ('mlflow', 'lightgbm', 'polars', 'sklearn', 'marimo');"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_cli_table_shows_every_row_and_column_and_whole_names():
    import polars as pl

    from mlbcore.cli.tables import table_text

    long_name = "market_free_part_vs_recalibrated_market_on_priced_games"  # 55 characters
    frame = pl.DataFrame(
        {"name": [long_name] + [f"row {n}" for n in range(30)]}
        | {f"column_{n}": [0.123456789] * 31 for n in range(15)}
        | {"games": [133] * 31}
    )
    text = table_text(frame)
    assert long_name in text and "row 29" in text and "column_14" in text
    assert "133" in text and "133.0" not in text and "0.1235" in text
    assert "…" not in text and "shape:" not in text and "f64" not in text and "str" not in text


def test_metrics_print_counts_as_integers(capsys):
    from mlbcore.cli.output import print_metrics

    print_metrics({"log_loss": 0.693147, "bets": 133.0, "games": 405.0, "n_train": 360.0})
    lines = capsys.readouterr().out.split("\n")
    assert [line.split() for line in lines if line] == [
        ["log_loss", "0.6931"],
        ["bets", "133"],
        ["games", "405"],
        ["n_train", "360"],
    ]


def _every_parser(parser, path="mlb"):
    import argparse

    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _every_parser(sub, f"{path} {name}")


def test_every_help_lists_the_valid_targets_and_the_defaults():
    import argparse

    from mlbcore.cli.main import build_parser
    from mlbcore.targets import ALL_TARGETS

    missing = []
    for path, parser in _every_parser(build_parser()):
        formatter = parser._get_formatter()
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            name = f"{path} {'/'.join(action.option_strings) or action.dest}"
            text = formatter._expand_help(action) if action.help else ""
            if not text:
                missing.append(f"{name}: no help")
            elif (action.dest in ("target", "targets") or action.metavar == "TARGET") and not all(
                t.value in text for t in ALL_TARGETS
            ):
                missing.append(f"{name}: the valid targets are not listed: {text}")
            takes_value = action.option_strings and action.nargs != 0
            if text and takes_value and not action.required and "default" not in text:
                missing.append(f"{name}: its default is not said: {text}")
    assert not missing, "\n".join(missing)
