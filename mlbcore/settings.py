"""Settings and configs, validated once at the edge.

``Settings`` reads the environment (the original design's variable names) and an
optional TOML file (``MLB_CONFIG_FILE``, default ``mlb.toml`` in the working folder);
nothing is needed for the embedded default. Nested values are overridden with ``__``,
e.g. ``MODELS__MONEYLINE_HOME_WIN__NUM_LEAVES=40`` or ``TRAINING__CROSS_VALIDATION_FOLDS=4``.

Over ~300 lines on purpose: every setting, validated in one place.
"""

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from mlbcore.errors import MlbError
from mlbcore.masking import masked
from mlbcore.targets import Target

MIN_CACHE_KEY_CHARS = 16
SECRET_SETTINGS = ("database_password", "feature_cache_key")  # never echoed, even when wrong
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_SNAPSHOT = PROJECT_ROOT / "data_snapshots" / "demo"
IMPORTED_SNAPSHOT = PROJECT_ROOT / "data_snapshots" / "imported"  # git-ignored


class ModelConfig(BaseModel):
    """LightGBM parameters for one target.

    Not the original design's (31 leaves, rate 0.05, no floor per leaf): at a few
    thousand games and a signal this weak, the strongly regularised regime fits less
    noise. Chosen on the 2013 season, walked forward month by month before any season the
    quality bench scores (README, "Model quality"): the market-free moneyline log loss
    went from 0.6846 to 0.6806 on the same games."""

    model_config = ConfigDict(extra="forbid")

    num_leaves: int = Field(default=7, ge=2)
    learning_rate: float = Field(default=0.02, gt=0, le=1)
    feature_fraction: float = Field(default=0.7, gt=0, le=1)
    min_data_in_leaf: int = Field(default=200, ge=1)
    bagging_fraction: float = Field(default=1.0, gt=0, le=1)
    lambda_l1: float = Field(default=0.0, ge=0)
    lambda_l2: float = Field(default=20.0, ge=0)
    # The market part boosts from the market's offset as it is ("market"), from its
    # recalibration a + b·offset fitted on the training games ("recalibrated"), or from
    # whichever the time-series CV folds score better at round 0 ("cv"; README).
    market_offset: Literal["cv", "market", "recalibrated"] = "cv"
    # Which `mlb tune` study and trial chose these values (`mlb tune --apply` writes it);
    # a training run records it as its ``tuned_by`` tag. Not a LightGBM parameter.
    tuned_by: str | None = Field(default=None, max_length=500)


class MoneylineModelConfig(ModelConfig):
    pass


class OverUnderModelConfig(ModelConfig):
    pass


class RunTotalModelConfig(ModelConfig):
    # "regression": L2 boosting from the market total (identity link); "poisson": Poisson
    # boosting from log(market total) (log link). Chosen by time-series CV (README).
    objective: Literal["regression", "poisson"] = "regression"


class ModelConfigs(BaseModel):
    """One LightGBM config per target; overriding one field keeps the other defaults."""

    model_config = ConfigDict(extra="forbid")

    moneyline_home_win: MoneylineModelConfig = MoneylineModelConfig()
    total_over_under: OverUnderModelConfig = OverUnderModelConfig()
    run_total_regression: RunTotalModelConfig = RunTotalModelConfig()


class TrainingConfig(BaseModel):
    """How a model is trained and validated (the original design's values are the defaults)."""

    model_config = ConfigDict(extra="forbid")

    # Game dates (about 180 a season): 1000 reaches back to 2010 from 2016. On the 2013
    # season walked forward, a 1000-date window beat 90 dates by 0.0096 log loss
    # (95 % CI 0.0045 to 0.0142) for the market-free moneyline part (README).
    training_window_days: int = Field(default=1000, ge=1)
    cross_validation_folds: int = Field(default=5, ge=2, le=20)
    test_size: float = Field(default=0.2, gt=0, lt=1)
    use_cached_features: bool = True  # no-op until a feature cache is configured
    # game dates left out between a CV fold's train and valid
    cv_gap_days: int = Field(default=1, ge=0)
    early_stopping_rounds: int = Field(default=50, ge=1)
    max_boost_rounds: int = Field(default=1000, ge=1)
    min_training_games: int = Field(default=150, ge=10)
    seed: int = 42
    # LightGBM threads per fit and per prediction, set explicitly: its default (every
    # core) spins OpenMP threads that lose badly to other busy processes, and windows of a
    # few thousand rows gain nothing from a second thread (README, "Speed").
    num_threads: int = Field(default=1, ge=1, le=256)


class BettingConfig(BaseModel):
    """How evaluation bets: only past an edge, fractional Kelly, stakes capped."""

    model_config = ConfigDict(extra="forbid")

    edge_threshold: float = Field(default=0.02, ge=0, le=1)
    kelly_fraction: float = Field(default=0.25, gt=0, le=1)
    max_stake: float = Field(default=0.05, gt=0, le=1)


class PromotionGateConfig(BaseModel):
    """What a model must show on its held-out dates before it may become a champion."""

    model_config = ConfigDict(extra="forbid")

    # Off only to study models the gate would stop (tests of what happens downstream).
    enabled: bool = True
    min_boost_rounds: int = Field(default=10, ge=1)
    min_probability_spread: float = Field(default=0.01, ge=0)  # standard deviation across games
    min_runs_spread: float = Field(default=0.1, ge=0)  # the same, for the run-total regression
    # A binary model whose test ROC-AUC is within this of 0.5 (a coin's) and that boosted
    # fewer than min_boost_rounds in each part learned nothing, whatever fed it.
    chance_auc_margin: float = Field(default=0.02, ge=0, le=0.5)


class RetrainingConfig(BaseModel):
    """When a model is retrained and promoted. The first five are the original design's;
    the rest make the policy judge on evidence rather than noise (README, "Retraining")."""

    model_config = ConfigDict(extra="forbid")

    # recent window a champion is judged on
    sliding_window_days: int = Field(default=7, ge=3, le=10)
    # new labelled games since it was trained
    min_samples_for_retrain: int = Field(default=100, ge=1)
    # the schedule's interval between checks
    retrain_schedule_hours: float = Field(default=24, gt=0)
    # relative, primary metric
    performance_degradation_threshold: float = Field(default=0.05, gt=0, lt=1)
    retrain_on_drift: bool = True
    # A change of data source (a new book pricing the games, a feed appearing or gone)
    # retrains: the champion was fitted on the old source, a challenger learns the new one.
    retrain_on_source_change: bool = True
    # Stale only after one schedule interval plus this grace: a champion checked daily is
    # not stale at its next check because the check ran a few minutes later than training.
    stale_grace_hours: float = Field(default=12, ge=0)
    # A challenger is compared with the champion on the games of the ``comparison_days``
    # after the instant it was fitted as of, never on the games that triggered it.
    comparison_days: int = Field(default=7, ge=1, le=30)
    # ... and promoted only with at least this many such games and a paired date-block
    # bootstrap interval of challenger minus champion below zero ("better") ...
    min_comparison_games: int = Field(default=60, ge=10)
    # ... whose estimate improves the primary metric by at least this much (metric units).
    min_improvement: float = Field(default=0.0, ge=0)
    # Drift: per-feature two-sample KS tests, Benjamini-Hochberg at this false discovery
    # rate; below ``drift_min_recent_games`` recent games drift is not judged.
    drift_fdr: float = Field(default=0.05, gt=0, lt=1)
    drift_min_recent_games: int = Field(default=50, ge=10)

    @property
    def stale_after_hours(self) -> float:
        return self.retrain_schedule_hours + self.stale_grace_hours


class FeaturesConfig(BaseModel):
    """Which feature families are computed (the feature set's columns never change: a
    family switched off is missing in every game)."""

    model_config = ConfigDict(extra="forbid")

    # Lineup strength from the starting nines (FEATURES__LINEUPS=false: missing).
    lineups: bool = True


# The stores MLflow can track in ("postgresql+psycopg" counts as "postgresql"); a bare
# path (no scheme) is a local folder store.
MLFLOW_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql", "http", "https", "file", "databricks")
# Settings whose values may carry a password: an error names them but never shows them.
_NOT_SHOWN = {"DATABASE_PASSWORD", "MLFLOW_TRACKING_URI", "REDIS_URL", "MLFLOW_UI_URL"}


def config_file() -> tuple[Path, bool]:
    """The TOML file settings are read from, and whether ``MLB_CONFIG_FILE`` named it (then
    it must exist; the default ``mlb.toml`` is optional)."""
    named = os.environ.get("MLB_CONFIG_FILE")
    return Path(named or "mlb.toml"), bool(named)


class Settings(BaseSettings):
    """Everything configurable, from the environment (and ``mlb.toml``)."""

    model_config = SettingsConfigDict(
        env_nested_delimiter="__", extra="ignore", case_sensitive=False
    )

    database_host: str | None = None
    database_port: int = Field(default=5432, ge=1, le=65535)
    database_name: str | None = None
    database_username: str | None = None
    database_password: SecretStr | None = None
    database_schema: str = Field(default="mlb", pattern=r"^[a-z_][a-z0-9_]*$")
    redis_url: str | None = None
    mlflow_tracking_uri: str | None = None
    mlflow_experiment_name: str = Field(default="mlb_betting_predictions", min_length=1)
    mlflow_ui_url: str | None = None  # e.g. http://127.0.0.1:5000: notebooks link run ids

    mlb_state_dir: Path = PROJECT_ROOT / ".mlb_state"
    mlb_data: Path = DEMO_SNAPSHOT
    ml_cutoff_minutes: int = Field(default=60, ge=0, le=24 * 60)
    feature_cache_ttl_seconds: int = Field(default=15 * 60, ge=1)  # Redis feature cache entries
    # Signs the feature cache's values (HMAC-SHA256): only values written with this key are
    # read back. Unset: a random key kept in the state folder (feature_cache.key, mode 0600).
    # Machines sharing one Redis share its entries only if they share this key.
    feature_cache_key: SecretStr | None = None
    market_book: str | None = None  # None: the book with the most lines in the data
    # Parallel loops (mlbcore.parallel): tasks at once (None: the core count), and where
    # they run: loky processes here, or a Dask cluster's workers at the scheduler's address.
    mlb_jobs: int | None = Field(default=None, ge=1, le=1024)
    mlb_parallel_backend: Literal["loky", "dask"] = "loky"
    dask_scheduler_address: str | None = Field(default=None, validate_default=True)

    training: TrainingConfig = TrainingConfig()
    betting: BettingConfig = BettingConfig()
    retraining: RetrainingConfig = RetrainingConfig()
    promotion: PromotionGateConfig = PromotionGateConfig()
    models: ModelConfigs = ModelConfigs()
    features: FeaturesConfig = FeaturesConfig()

    @field_validator("database_host")
    @classmethod
    def _a_host(cls, host: str | None) -> str | None:
        # It goes into a postgresql:// URL, where these characters would change its meaning.
        if host is not None and not re.fullmatch(r"[^\s/@?#]+", host):
            raise ValueError("a host name or IP address, without spaces, '/', '@', '?' or '#'")
        return host

    @field_validator("dask_scheduler_address")
    @classmethod
    def _a_scheduler(cls, address: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("mlb_parallel_backend") == "dask" and not address:
            raise ValueError(
                "MLB_PARALLEL_BACKEND=dask needs the scheduler's address, e.g. "
                "DASK_SCHEDULER_ADDRESS=tcp://127.0.0.1:8786"
            )
        if address and not re.fullmatch(r"(tcp|tls|inproc|ucx)://[^\s/]+", address):
            raise ValueError("a Dask scheduler address such as tcp://HOST:8786")
        return address

    @field_validator("mlflow_tracking_uri")
    @classmethod
    def _a_store_mlflow_knows(cls, uri: str | None) -> str | None:
        scheme = urlsplit(uri).scheme.partition("+")[0].lower() if uri else ""
        if scheme and scheme not in MLFLOW_SCHEMES:
            raise ValueError(
                f"MLflow has no store for {scheme}://; use sqlite:///FILE, "
                "postgresql://USER@HOST/DB, http(s)://HOST:PORT or a folder"
            )
        return uri

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file, _ = config_file()
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_file),
        )

    @field_validator("feature_cache_key")
    @classmethod
    def _a_real_key(cls, key: SecretStr | None) -> SecretStr | None:
        if key is not None and len(key.get_secret_value()) < MIN_CACHE_KEY_CHARS:
            raise ValueError(
                f"a key needs at least {MIN_CACHE_KEY_CHARS} characters; make one with "
                "`python3 -c 'import secrets; print(secrets.token_hex(32))'`"
            )
        return key

    def model_for(self, target: Target) -> ModelConfig:
        config: ModelConfig = getattr(self.models, target.value)
        return config

    @property
    def tracking_uri(self) -> str:
        """MLflow store: the configured URI, else a SQLite file in the state folder."""
        if self.mlflow_tracking_uri:
            return self.mlflow_tracking_uri
        return f"sqlite:///{self.mlb_state_dir / 'mlflow.db'}"

    @property
    def artifact_location(self) -> str:
        """Where new experiments keep artifacts, so every working folder finds the models."""
        return (self.mlb_state_dir / "mlartifacts").resolve().as_uri()


def load_settings(**overrides: Any) -> Settings:
    """Validated settings; an invalid value, an unreadable TOML file or a named one that
    does not exist raises ``MlbError`` naming the variable or the file."""
    toml_file, named = config_file()
    try:
        if named and not toml_file.is_file():
            raise MlbError(
                f"MLB_CONFIG_FILE names {toml_file}, which is not a file; "
                "create it or unset MLB_CONFIG_FILE"
            )
        return Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        field = "__".join(str(part) for part in first["loc"]).upper()
        # A secret's value is never echoed, not even a wrong one; URLs are masked.
        secret = first["loc"][0] in SECRET_SETTINGS or field in _NOT_SHOWN
        shown = "" if secret else f"={first.get('input')!r}"
        reason = first["msg"].removeprefix("Value error, ")
        raise MlbError(masked(f"invalid setting {field}{shown}: {reason}")) from None
    except SettingsError as error:  # a nested setting given as something other than JSON
        found = re.search(r'field "(\w+)"', str(error))
        field = found.group(1).upper() if found else "a nested setting"
        raise MlbError(
            f"invalid setting {field}: not JSON; set one field with {field}__NAME=VALUE "
            f"or the whole of it as a JSON object"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise MlbError(
            f"the settings file {toml_file} is not UTF-8 TOML ({error}); fix it, or point "
            "MLB_CONFIG_FILE at another file"
        ) from None
    except OSError as error:  # the config file is a folder, unreadable, or its name too long
        raise MlbError(f"cannot read the settings file {toml_file}: {error.strerror}") from None
