"""What the slate notebook calls: its controls (command-line values in a script run), the
data read once per session, the slate, its CSV and the summary a script run prints."""

import datetime
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mlbcore.notebook.controls import controls_from_command_line, script_mode
from mlbcore.notebook.jobs import Outcome, run
from mlbcore.settings import load_settings
from mlbcore.targets import ALL_TARGETS, Target

DEFAULT_BANKROLL = 1000.0


class SlateControls(BaseModel):
    """The slate notebook's controls, from the command line in a script run."""

    model_config = ConfigDict(extra="forbid")

    date: datetime.date | None = None  # default: the data's latest date with games
    target: Target = Target.MONEYLINE_HOME_WIN
    min_edge: float | None = Field(default=None, ge=0, lt=1)  # default: the settings'
    bankroll: float = Field(default=DEFAULT_BANKROLL, ge=0, allow_inf_nan=False)
    out: Path | None = None  # a script run writes the slate here as CSV


@dataclass(frozen=True)
class SlateSetUp:
    """What the page needs before any slate: the data and its dates, the controls'
    defaults."""

    snapshot: Any
    controls: SlateControls
    first: date
    last: date
    min_edge: float


def slate_set_up() -> Outcome:
    """The data, read once for the session, and the controls' defaults; a command-line
    date without games fails here, saying which dates there are."""
    from mlbcore.data.source import load_data
    from mlbcore.lifecycle.slate import latest_game_date, require_games_on

    def job() -> SlateSetUp:
        settings = load_settings()
        controls = controls_from_command_line(SlateControls)
        snapshot = load_data(settings)
        last = latest_game_date(snapshot)
        first = snapshot.games["date"].min()
        assert isinstance(first, date)
        if controls.date is not None:
            require_games_on(snapshot, controls.date)
        edge = settings.betting.edge_threshold if controls.min_edge is None else controls.min_edge
        return SlateSetUp(snapshot, controls, first, last, edge)

    return run(job)


@dataclass
class SlateWidgets:
    day: Any
    target: Any
    min_edge: Any
    bankroll: Any

    def row(self) -> Any:
        import marimo as mo

        return mo.hstack(
            [self.day, self.target, self.min_edge, self.bankroll],
            justify="start",
            align="end",
            wrap=True,
        )


def slate_widgets(set_up: SlateSetUp) -> SlateWidgets:
    import marimo as mo

    c = set_up.controls
    return SlateWidgets(
        day=mo.ui.date(
            start=set_up.first, stop=set_up.last, value=c.date or set_up.last, label="Date"
        ),
        target=mo.ui.dropdown(
            options=[t.value for t in ALL_TARGETS], value=c.target.value, label="Target"
        ),
        min_edge=mo.ui.number(
            start=0, stop=0.99, step=0.005, value=set_up.min_edge, label="Minimum edge"
        ),
        bankroll=mo.ui.number(start=0, step=100, value=c.bankroll, label="Bankroll"),
    )


def slate_of(
    set_up: SlateSetUp, day: date, target: str, min_edge: float, bankroll: float
) -> Outcome:
    """The slate of ``day`` on the session's data, or why there is none."""
    from mlbcore.lifecycle.slate import slate

    return run(
        lambda: slate(
            load_settings(), day, Target(target), float(min_edge), float(bankroll),
            snapshot=set_up.snapshot,
        )
    )  # fmt: skip


def slate_csv(result: Any) -> bytes:
    """The slate's rows as CSV, for the download button."""
    return result.frame.write_csv().encode()


def slate_file_name(result: Any) -> str:
    return f"slate-{result.day}-{result.target}.csv"


def report_script_run(result: Any, out: Path | None) -> None:
    """In a script run, say what the slate found and write ``--out``."""
    if not script_mode():
        return
    from mlbcore.lifecycle.slate_view import slate_heading, write_slate_csv

    print(slate_heading(result))
    print(f"day's totals: {result.totals.text()}")
    if out is not None:
        write_slate_csv(result, out)
        print(f"wrote {result.frame.height} games to {out}")
