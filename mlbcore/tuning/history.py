"""A study's trials as a table, and its parameter importances: what the notebook charts
and a script run writes."""

import warnings

import optuna
import polars as pl

TRIAL_SCHEMA = {
    "number": pl.Int64,
    "state": pl.String,
    "score": pl.Float64,
    "seconds": pl.Float64,
    "current": pl.Boolean,
    "params": pl.String,
}


def trials_frame(study: optuna.Study) -> pl.DataFrame:
    """One row per trial: ``number``, ``state`` (complete, pruned, fail, running,
    waiting), ``score`` (complete trials only), ``seconds``, ``current`` (the settings
    current when the study began) and ``params`` (as ``name=value`` pairs)."""
    rows = [
        {
            "number": t.number,
            "state": t.state.name.lower(),
            "score": float(t.value) if t.value is not None else None,
            "seconds": t.duration.total_seconds() if t.duration else None,
            "current": bool(t.user_attrs.get("current_settings")),
            "params": " ".join(f"{k}={v}" for k, v in t.params.items()),
        }
        for t in study.get_trials(deepcopy=False)
    ]
    return pl.DataFrame(rows, schema=TRIAL_SCHEMA)


# fANOVA's forest over a handful of trials shares out noise among the 7-9 settings
# searched: with 2 trials it named three settings 22-29 % each.
MIN_TRIALS_FOR_IMPORTANCES = 10


def parameter_importances(study: optuna.Study) -> dict[str, float]:
    """Optuna's importances (fANOVA) of the complete trials; empty with fewer than
    ``MIN_TRIALS_FOR_IMPORTANCES``, or when every complete trial has the same score
    (nothing to explain)."""
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if len(complete) < MIN_TRIALS_FOR_IMPORTANCES or len({t.value for t in complete}) < 2:
        return {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # experimental-feature warnings
        try:
            importances = optuna.importance.get_param_importances(study)
        except (RuntimeError, ValueError):  # a space the evaluator cannot split
            return {}
    return {name: float(value) for name, value in importances.items()}
