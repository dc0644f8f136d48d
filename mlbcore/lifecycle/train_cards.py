"""The train page's verdict cards: per trained target, the new version and the champion
in place, each read from its training run's held-out test games (the window's last
dates, scored by the model fitted without them). The same card builder as the landing
page's (``logged_card``), so a card looks and is coloured the same everywhere.

Held-out numbers are out of sample for the model that scored them; the version
registered is that model refitted on the whole window, those games included. Each card
says so, with the dates of its games."""

from dataclasses import replace
from typing import Any

from mlbcore import tracking
from mlbcore.data.source import data_games_source
from mlbcore.evaluation.verdicts import VerdictCard, logged_card
from mlbcore.formatting import count
from mlbcore.lifecycle.held_out import BETTING_PREFIX
from mlbcore.lifecycle.status import target_statuses
from mlbcore.lifecycle.train_job import TrainedTarget, TrainingRun
from mlbcore.settings import Settings
from mlbcore.targets import Target

HELD_OUT = "test_"
REFITTED = "then refitted on the whole window, these games included"


def held_out_card(
    target: Target,
    metrics: dict[str, float],
    detail: str,
    role: str,
    warnings: list[str],
    health: str | None = None,
) -> VerdictCard:
    """A card from a training run's metrics: its ``test_`` measures, read as the landing
    page reads an evaluation's. A run logged before betting was measured at training says
    so instead of "no bets"."""
    measured = {k.removeprefix(HELD_OUT): v for k, v in metrics.items() if k.startswith(HELD_OUT)}
    card = logged_card(target, measured, health, detail, role)
    if target.is_binary and f"{BETTING_PREFIX}bets" not in metrics:
        unmeasured = "betting not measured at its training: open Evaluate for it"
        card = replace(card, betting=unmeasured, clv="")
    if warnings:
        card = replace(card, warnings=card.warnings + tuple(warnings), colour=(
            "neutral" if card.colour == "green" else card.colour
        ))  # fmt: skip
    return card


def new_version_card(trained: TrainedTarget) -> VerdictCard:
    """The new version's card, from the run just trained."""
    result = trained.result
    dates = result.test_predictions["date"]
    state = "champion" if trained.promoted else "not promoted"
    detail = (
        f"held out: {count(result.n_test)} games from {dates.min()} to {dates.max()}, the "
        f"window's last dates, scored by the model fitted without them (out of sample); "
        f"v{trained.version} was {REFITTED}"
    )
    gate = [f"fails the promotion gate: {r}" for r in trained.rejected_reasons]
    return held_out_card(
        result.target, result.metrics, detail, f"new v{trained.version} ({state})", gate
    )


def champion_card(
    champion: tracking.Champion,
    metrics: dict[str, float],
    tags: dict[str, Any],
    health: str | None = None,
) -> VerdictCard:
    """The champion in place, from its own training run's held-out games, with its
    health word."""
    start, end = tags.get("test_start_date"), tags.get("test_end_date")
    games = metrics.get("test_vs_base_rate_" + champion.primary_metric + "_games")
    where = (
        f"{count(games) + ' games ' if games else ''}from {start} to {end}"
        if start and end
        else f"the last dates of its window {champion.window_start_date} to "
        f"{champion.window_end_date}"
    )
    detail = (
        f"held out at its training: {where}, scored by the model fitted without them "
        f"(out of sample); v{champion.version} was {REFITTED}"
    )
    role = f"champion v{champion.version}"
    return held_out_card(champion.target, metrics, detail, role, [], health)


def training_cards(settings: Settings, run: TrainingRun) -> list[VerdictCard]:
    """Per trained target: the new version's card, then the champion's in place (none
    when the new version is the champion) with its health word as of the data's last
    result."""
    from mlflow import MlflowClient

    tracking.configure(settings)
    source = data_games_source(settings)
    client = MlflowClient()
    in_place = {status.target: status for status in target_statuses(settings)}
    cards = []
    for trained in run.trained:
        cards.append(new_version_card(trained))
        champion = tracking.champion(trained.result.target, source)
        if champion is not None and champion.version != trained.version:
            data = client.get_run(champion.run_id).data
            status = in_place.get(champion.target)
            health = status.health if status and status.version == champion.version else None
            cards.append(champion_card(champion, dict(data.metrics), dict(data.tags), health))
    return cards
