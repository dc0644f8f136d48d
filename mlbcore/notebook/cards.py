"""What the home and evaluate notebooks draw: verdict cards that wrap on a phone's
screen, tables formatted for people (no dtype labels, 4 significant digits, counts as
integers, percentages), and the last evaluation kept with its parameters until the
button is pressed again."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from mlbcore import formatting
from mlbcore.evaluation.verdicts import VerdictCard, logged_card
from mlbcore.notebook.controls import now
from mlbcore.targets import Target

if TYPE_CHECKING:
    from mlbcore.lifecycle.status import TargetStatus

CALLOUT_KIND: dict[str, "Literal['success', 'danger', 'neutral']"] = {
    "green": "success",
    "red": "danger",
    "neutral": "neutral",
}


def card_markdown(card: VerdictCard) -> str:
    head = f"**{card.target}**" + (f" {card.role}" if card.role else "")
    head += f" · {card.health}" if card.health else ""
    lines = [head, f"### {card.verdict}"]
    lines += [line for line in (card.vs_market, card.betting, card.clv) if line]
    lines += [f"*{card.detail}*"] if card.detail else []
    lines += [f"**Warning:** {warning}" for warning in card.warnings]
    return "\n\n".join(lines)


def verdict_cards(cards: Iterable[VerdictCard]) -> Any:
    """The cards side by side, wrapping onto new rows on a narrow screen (each at least
    15rem wide, never wider than the page): no sideways scroll at 390 px."""
    import marimo as mo

    boxes = [mo.callout(mo.md(card_markdown(c)), kind=CALLOUT_KIND[c.colour]) for c in cards]
    style = "flex: 1 1 15rem; min-width: 0; max-width: 100%; overflow-wrap: anywhere;"
    items = "".join(f'<div class="mlb-card" style="{style}">{box.text}</div>' for box in boxes)
    return mo.Html(
        '<div class="mlb-cards" style="display: flex; flex-wrap: wrap; gap: 0.75rem; '
        f'max-width: 100%;">{items}</div>'
    )


def people_table(
    frame: Any,
    label: str = "",
    percents: Iterable[str] = (),
    signed: Iterable[str] = (),
    page_size: int = 10,
) -> Any:
    """``frame`` as a table for people: floats to 4 significant digits, ``percents``
    columns (fractions) as percentages, ``signed`` ones (differences) with their sign,
    integers as integers; no dtype labels, no column summaries. Sorting still sees the
    numbers."""
    import marimo as mo
    import polars as pl

    percents, signed = set(percents), set(signed)
    formats: dict[str, Any] = {}
    for name, dtype in frame.schema.items():
        if name in percents:
            formats[name] = formatting.percent
        elif name in signed:
            formats[name] = formatting.signed
        elif dtype in (pl.Float32, pl.Float64):
            formats[name] = formatting.significant
        elif dtype.is_integer():
            formats[name] = formatting.count
        elif isinstance(dtype, pl.Datetime):
            formats[name] = formatting.instant
    return mo.ui.table(
        frame,
        selection=None,
        label=label,
        format_mapping=formats,
        show_data_types=False,
        show_column_summaries=False,
        page_size=page_size,
    )


@dataclass(frozen=True)
class EvaluationRun:
    """One press of Evaluate: the controls it ran with and what came of it. Kept (in
    ``mo.state``) until the button is pressed again, whatever the controls do meanwhile."""

    target: str
    days: int
    as_of: date
    log: bool
    outcome: Any  # jobs.Outcome: the Evaluation, or the one line saying why there is none
    health: str | None = None  # the champion's health word as of the evaluation's as-of
    pressed_utc: datetime = field(default_factory=now)

    def parameters(self) -> str:
        return (
            f"{self.target}, the {self.days} days to {self.as_of} (end of day, UTC), "
            f"{'logged to MLflow' if self.log else 'not logged to MLflow'}; "
            f"run at {self.pressed_utc:%H:%M:%S} UTC"
        )

    def ran_with(self, target: str, days: int, as_of: date, log: bool) -> bool:
        return (self.target, self.days, self.as_of, self.log) == (target, days, as_of, log)


def shown_run_note(run: EvaluationRun, target: str, days: int, as_of: date, log: bool) -> str:
    """Markdown saying which run the page shows, and whether the controls moved since."""
    return last_result_note(
        "the evaluation", run.parameters(), run.ran_with(target, days, as_of, log),
        "press **Evaluate** to score the new choice",
    )  # fmt: skip


def last_result_note(what: str, shown: str, current: bool, again: str) -> str:
    """Markdown for a page that keeps its last result while its controls change: what it
    shows, run with what, and (``current`` false) that the controls have moved since and
    what to press."""
    note = f"**Showing {what} of** {shown}."
    return note if current else f"{note} The controls have changed since: {again}."


def home_cards(statuses: "list[TargetStatus]") -> list[VerdictCard]:
    """One card per target for the landing page: the champion's health word and its last
    out-of-sample evaluation against the market, when there is one."""
    cards = []
    for status in statuses:
        target = Target(status.target)
        if status.version is None:
            cards.append(
                VerdictCard(
                    target,
                    "neutral",
                    "no champion: train one on the Train page",
                    "",
                    "",
                    "",
                    status.health,
                )
            )
            continue
        hours = status.age_hours
        age = f", {formatting.duration_text(hours * 3600)} old" if hours is not None else ""
        detail = f"champion v{status.version}{age}; " + (
            f"last out-of-sample evaluation as of {status.last_evaluation_as_of_utc[:10]}"
            if status.last_evaluation_as_of_utc
            else "not evaluated out of sample yet: open Evaluate"
        )
        if not status.last_evaluation:
            cards.append(
                VerdictCard(
                    target,
                    "neutral",
                    "not compared with the market yet",
                    "",
                    "",
                    "",
                    status.health,
                    detail,
                )
            )
            continue
        cards.append(logged_card(target, status.last_evaluation, status.health, detail))
    return cards
