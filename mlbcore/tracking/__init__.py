"""MLflow experiment tracking: one run per trained target, logged by hand (autologging
costs seconds a fit), with the model registered as ``mlb-{games source}-{target}``.

Champions are kept per source of games (``demo``, ``retrosheet``; see
``Snapshot.games_source``): a model of the synthetic season is never the champion that
real games are scored with, and importing more seasons does not start a new registry.

One module per idea, bottom first: ``names`` (registered names, aliases, tags),
``failures`` (a store's database failing, in one line), ``integrity`` (is a version fit
to serve), ``runs`` (logging a run, reading a logged model), ``champions`` (the alias
and moving it), ``history`` (the versions, and the champion in place at an instant),
``recovery`` (after a killed process) and ``store`` (``configure``). Callers use the
names below as ``tracking.X``.
"""

from mlbcore.tracking.champions import (
    Champion,
    champion,
    champion_version,
    no_champion_message,
    promote_together,
    reject_challenger,
    require_champion,
    set_champion,
)
from mlbcore.tracking.failures import StoreFailures, store_failure
from mlbcore.tracking.history import VersionRecord, champion_as_of, version_history
from mlbcore.tracking.integrity import (
    file_digests,
    mark_unusable,
    require_stored,
    require_usable,
    stored_problem,
)
from mlbcore.tracking.names import (
    ARTIFACT_DIGESTS,
    CHAMPION,
    PENDING_PROMOTION,
    PREVIOUS_CHAMPION,
    REGISTERED_MODEL_PREFIX,
    UNUSABLE,
    registered_model_name,
)
from mlbcore.tracking.recovery import recover_interrupted
from mlbcore.tracking.runs import (
    load_model,
    log_figures,
    log_training_run,
    newest_trained_as_of,
    run_name,
    trained_as_of,
    training_window,
)
from mlbcore.tracking.store import configure

__all__ = [
    "ARTIFACT_DIGESTS",
    "CHAMPION",
    "PENDING_PROMOTION",
    "PREVIOUS_CHAMPION",
    "REGISTERED_MODEL_PREFIX",
    "UNUSABLE",
    "Champion",
    "StoreFailures",
    "VersionRecord",
    "champion",
    "champion_as_of",
    "champion_version",
    "configure",
    "file_digests",
    "load_model",
    "log_figures",
    "log_training_run",
    "mark_unusable",
    "newest_trained_as_of",
    "no_champion_message",
    "promote_together",
    "recover_interrupted",
    "registered_model_name",
    "reject_challenger",
    "require_champion",
    "require_stored",
    "require_usable",
    "run_name",
    "set_champion",
    "store_failure",
    "stored_problem",
    "trained_as_of",
    "training_window",
    "version_history",
]
