"""The train notebook's champion panel: the new versions beside the champions, each
target's version history with links to the MLflow UI, and the Promote and Roll back
buttons' moves. Each is one call, with a known error as the page's message."""

from typing import Any

import polars as pl

from mlbcore.masking import masked
from mlbcore.notebook.jobs import Outcome, run
from mlbcore.settings import Settings, load_settings
from mlbcore.targets import ALL_TARGETS, Target

# Column headings as people read them.
HEADINGS = {
    "target": "target", "role": "", "version": "version", "status": "status",
    "trained_as_of_utc": "trained as of (UTC)", "window": "training window",
    "metric": "metric", "test_value": "on its test dates", "model_minus_market":
    "model minus market, priced test games", "verdict": "verdict", "reason": "reason",
    "registered_utc": "registered (UTC)", "run_id": "MLflow",
}  # fmt: skip


def new_beside_champion(training: Any) -> Outcome:
    """The training run's new versions beside the champions in place, as markdown."""
    from mlbcore.lifecycle.version_tables import new_beside_champion as side_by_side

    def job() -> str:
        settings = load_settings()
        frame = side_by_side(settings, training).drop("reason", "registered_utc")
        return markdown_table(frame, settings, training.experiment_id)

    return run(job)


def training_cards(training: Any) -> Outcome:
    """Verdict cards of the training run's new versions, each beside the champion in
    place, from their held-out test games."""
    from mlbcore.lifecycle.train_cards import training_cards as cards_of

    return run(lambda: cards_of(load_settings(), training))


def version_histories() -> Outcome:
    """Each target's registered versions, newest first, as markdown with MLflow links:
    ``{target: markdown}``."""
    from mlbcore import tracking
    from mlbcore.lifecycle.version_tables import history_table

    def job() -> dict[str, str]:
        settings = load_settings()
        experiment_id = tracking.configure(settings)
        tables = {}
        for target in ALL_TARGETS:
            frame = history_table(settings, target).drop("target", "role")
            tables[target.value] = (
                markdown_table(frame, settings, experiment_id)
                if frame.height
                else "*No registered version yet.*"
            )
        return tables

    return run(job)


def version_choices() -> dict[str, tuple[str, int]]:
    """Every registered version of every target, newest first, for the Promote picker:
    ``{"moneyline_home_win v3": ("moneyline_home_win", 3)}``."""
    from mlbcore import tracking
    from mlbcore.data.source import data_games_source

    settings = load_settings()
    tracking.configure(settings)
    source = data_games_source(settings)
    return {
        f"{target} v{record.version}": (target.value, record.version)
        for target in ALL_TARGETS
        for record in tracking.version_history(target, source)
    }


def move_champion(action: str, target: str, version: int | None, reason: str) -> Outcome:
    """``action`` "promote" (``version``) or "roll back", with ``reason`` tagged; the
    outcome's value is the move's sentence."""
    from mlbcore.errors import MlbError
    from mlbcore.lifecycle.champion_moves import promote_version, roll_back

    def job() -> str:
        settings = load_settings()
        why = reason.strip() or f"{action} in the train notebook"
        if action == "promote":
            if version is None:
                raise MlbError("pick a version to promote")
            return promote_version(settings, Target(target), version, why).text()
        return roll_back(settings, Target(target), why).text()

    return run(job)


def pressed_champion_move(
    promote: bool,
    version: tuple[str, int] | None,
    roll_back: bool,
    target: str,
    reason: str,
) -> Outcome | None:
    """The move of the button just pressed: Promote the picked ``(target, version)``, or
    Roll back ``target``; None when neither was pressed."""
    if promote:
        if version is None:
            return Outcome(error="Pick a version to promote first.")
        return move_champion("promote", version[0], version[1], reason)
    if roll_back:
        return move_champion("roll back", target, None, reason)
    return None


def markdown_table(frame: pl.DataFrame, settings: Settings, experiment_id: str) -> str:
    """``frame`` as a markdown table, its run ids linked to the MLflow UI when
    ``MLFLOW_UI_URL`` is set (never with credentials in the link)."""
    ui = settings.mlflow_ui_url
    # Everyone who opens the app sees the link: no user name, password or token in it.
    base = masked(ui, drop_credentials=True).rstrip("/") if ui else ""
    columns = frame.columns

    def cell(column: str, value: Any) -> str:
        if value is None or value == "":
            return ""
        if column == "version":
            return f"v{value}"
        if column == "run_id":
            short = f"`{str(value)[:8]}`"
            link = f"{base}/#/experiments/{experiment_id}/runs/{value}"
            return f"[run {short}]({link})" if base else short
        return str(value).replace("|", "/")

    lines = [
        "| " + " | ".join(HEADINGS.get(c, c) for c in columns) + " |",
        "|" + "---|" * len(columns),
    ]
    lines += [
        "| " + " | ".join(cell(c, row[c]) for c in columns) + " |"
        for row in frame.iter_rows(named=True)
    ]
    return "\n".join(lines)
