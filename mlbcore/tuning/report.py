"""A tuning outcome in words: the best trial against the current settings on the same
walk-forward score, and what `--apply` writes."""

from pathlib import Path

from mlbcore.errors import MlbError
from mlbcore.formatting import significant
from mlbcore.settings import config_file
from mlbcore.tuning.apply import apply_settings
from mlbcore.tuning.history import MIN_TRIALS_FOR_IMPORTANCES
from mlbcore.tuning.objective import metric_words
from mlbcore.tuning.run import TuneOutcome
from mlbcore.tuning.space import short


def tuned_by(outcome: TuneOutcome) -> str:
    """What the settings file and the next training run say the settings came from."""
    assert outcome.best is not None
    seasons = ", ".join(map(str, outcome.seasons.seasons))
    return (
        f"study {outcome.study} trial {outcome.best.number} "
        f"({metric_words(outcome.target)} {significant(outcome.best.score)} walked forward "
        f"through {seasons})"
    )


def outcome_lines(outcome: TuneOutcome) -> list[str]:
    metric = metric_words(outcome.target)
    states = ", ".join(f"{n} {state}" for state, n in sorted(outcome.states.items()))
    lines = []
    if outcome.signal:
        lines.append("stopped by a signal after the trials in hand; the same command resumes")
    lines.append(
        f"study {outcome.study}: {states or 'no trials'} ({outcome.added} added in "
        f"{outcome.seconds:.0f} s)"
    )
    lines += [f"note: {note}" for note in outcome.notes]
    best, current = outcome.best, outcome.current
    if best is None:
        lines.append("no trial has completed yet: nothing to compare or apply")
        return lines
    lines.append(
        f"best: trial {best.number}, {metric} {significant(best.score)}: {short(best.params)}"
    )
    if current is None:
        lines.append("the current settings' trial (trial 0) has not completed: no comparison")
    elif current.number == best.number:
        lines.append("the current settings (trial 0) are still the best found")
    else:
        gain = current.score - best.score
        lines.append(
            f"current settings (trial {current.number}): {metric} {significant(current.score)}; "
            f"the best is {significant(gain)} lower ({gain / current.score:.2%}) on the same games"
        )
        # The best of many trials on the games that chose it is biased low: on the real
        # data, studies' best trials on 2013 alone were no better than the defaults on 2014-16.
        # Pruned trials competed too; failed and unfinished ones scored nothing.
        scored = outcome.states.get("complete", 0) + outcome.states.get("pruned", 0)
        lines.append(
            f"in-sample: the best of {scored} trials on the games that "
            "chose it, so optimistic; judge it on later seasons (`mlb bench quality` with "
            "these settings in MLB_CONFIG_FILE) before applying it"
        )
    if outcome.importances:
        top = sorted(outcome.importances.items(), key=lambda item: -item[1])[:3]
        lines.append(
            "what mattered most (share of the score's variation): "
            + ", ".join(f"{name} {share:.0%}" for name, share in top)
        )
    elif outcome.states.get("complete", 0) < MIN_TRIALS_FOR_IMPORTANCES:
        lines.append(
            f"what mattered most: measured from {MIN_TRIALS_FOR_IMPORTANCES} complete trials "
            "(fewer would share out noise)"
        )
    return lines


def apply_best(outcome: TuneOutcome, path: Path | None = None) -> str:
    """Write the best trial's settings into the settings file (``MLB_CONFIG_FILE``, else
    ``mlb.toml`` here); returns the line saying so."""
    if outcome.best is None:
        raise MlbError(
            f"study {outcome.study} has no completed trial to apply; run more trials first"
        )
    target_file = path or config_file()[0]
    apply_settings(target_file, outcome.target, outcome.best.params, tuned_by(outcome))
    return (
        f"applied trial {outcome.best.number} to [models.{outcome.target.value}] in "
        f"{target_file}: the next `mlb train` uses it"
    )
