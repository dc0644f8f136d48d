import pytest

from mlbcore.errors import MlbError
from mlbcore.settings import load_settings
from mlbcore.targets import Target


def test_defaults_are_the_original_design_but_for_the_tuned_window_and_trees():
    settings = load_settings()
    # Tuned on the 2013 season walked forward (README, "Model quality").
    assert settings.training.training_window_days == 1000
    assert settings.training.cross_validation_folds == 5
    assert settings.training.test_size == 0.2
    assert settings.training.use_cached_features is True
    assert settings.ml_cutoff_minutes == 60
    assert settings.mlflow_experiment_name == "mlb_betting_predictions"
    for target in Target:
        config = settings.model_for(target)
        assert (config.num_leaves, config.learning_rate, config.feature_fraction) == (7, 0.02, 0.7)
        assert (config.min_data_in_leaf, config.lambda_l2) == (200, 20.0)


def test_environment_overrides_one_field_and_keeps_the_other_defaults(monkeypatch):
    monkeypatch.setenv("MODELS__TOTAL_OVER_UNDER__NUM_LEAVES", "15")
    monkeypatch.setenv("ML_CUTOFF_MINUTES", "90")
    settings = load_settings()
    over_under = settings.model_for(Target.TOTAL_OVER_UNDER)
    assert (over_under.num_leaves, over_under.feature_fraction) == (15, 0.7)
    assert settings.model_for(Target.MONEYLINE_HOME_WIN).num_leaves == 7
    assert settings.ml_cutoff_minutes == 90


def test_a_toml_file_configures_training(tmp_path, monkeypatch):
    config = tmp_path / "mlb.toml"
    config.write_text(
        "[training]\ncross_validation_folds = 3\n[models.moneyline_home_win]\nnum_leaves = 15\n"
    )
    monkeypatch.setenv("MLB_CONFIG_FILE", str(config))
    settings = load_settings()
    assert settings.training.cross_validation_folds == 3
    assert settings.model_for(Target.MONEYLINE_HOME_WIN).num_leaves == 15


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_PORT", "not-a-port"),
        ("ML_CUTOFF_MINUTES", "-5"),
        ("TRAINING__TEST_SIZE", "1.5"),
        ("MODELS__MONEYLINE_HOME_WIN__LEARNING_RATE", "0"),
    ],
)
def test_an_invalid_setting_names_the_variable_and_value(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(MlbError, match=f"invalid setting {variable}='{value}'"):
        load_settings()


def test_no_setting_is_needed_and_the_store_is_local(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    settings = load_settings()
    assert settings.tracking_uri.startswith("sqlite:///")
    assert settings.artifact_location.startswith("file://")


def test_run_ids_link_to_the_mlflow_ui_when_its_address_is_set(monkeypatch):
    from mlbcore.notebook import run_reference

    assert run_reference("abc", "1") == "`abc`"
    monkeypatch.setenv("MLFLOW_UI_URL", "http://127.0.0.1:5000/")
    assert run_reference("abc", "1") == "[`abc`](http://127.0.0.1:5000/#/experiments/1/runs/abc)"


@pytest.mark.parametrize(
    "ui_url",
    [
        "https://mlb:secret@mlflow.example/",
        "https://mlflow.example?token=secret",
        "https://mlflow.example/?access_token=secret&api_key=secret",
    ],
)
def test_a_run_link_shows_no_credentials_of_the_mlflow_ui_url(monkeypatch, ui_url):
    # Everyone who opens the app sees the link: it goes to the same page, without them.
    from mlbcore.notebook import run_reference

    monkeypatch.setenv("MLFLOW_UI_URL", ui_url)
    link = run_reference("abc", "1")
    assert link == "[`abc`](https://mlflow.example/#/experiments/1/runs/abc)"


def test_lightgbm_threads_default_to_one_and_are_a_setting(monkeypatch):
    # One thread: measured fastest on the demo, quiet and loaded (README, "Speed").
    assert load_settings().training.num_threads == 1
    monkeypatch.setenv("TRAINING__NUM_THREADS", "2")
    assert load_settings().training.num_threads == 2
