"""What an import read, kept and skipped: every skipped line is named, never dropped silently."""

from dataclasses import dataclass, field

import polars as pl

from mlbcore.errors import MlbError

RETROSHEET_NOTICE = (
    "The information used here was obtained free of charge from and is copyrighted by "
    "Retrosheet. Interested parties may contact Retrosheet at www.retrosheet.org."
)


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int  # 1-based line (or spreadsheet row) number in the file
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass(frozen=True)
class TableCounts:
    """What an import did to one table: rows added (a new key), updated (a key the table
    had, with other values), unchanged, skipped (input rows not stored: malformed, or of
    no game in the snapshot) and removed (only with --replace)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    removed: int = 0

    def line(self, table: str) -> str:
        counts = (
            f"{table}: {self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.skipped} skipped"
        )
        return counts + (f", {self.removed} removed" if self.removed else "")


@dataclass
class ImportReport:
    """Counts and problems of one import, printed at its end."""

    source: str
    rows_read: int = 0
    rows_imported: int = 0
    problems: list[Problem] = field(default_factory=list)
    unmatched: pl.DataFrame | None = None  # source rows that matched no game
    notes: list[str] = field(default_factory=list)
    tables: dict[str, TableCounts] = field(default_factory=dict)  # per table written

    def lines(self, show: int = 10) -> list[str]:
        out = [f"{self.source}: read {self.rows_read} rows, imported {self.rows_imported}"]
        out += [counts.line(table) for table, counts in self.tables.items()]
        if self.problems:
            out.append(
                f"skipped {len(self.problems)} malformed rows (--strict fails on the first):"
            )
            out += [f"  {p}" for p in self.problems[:show]]
            if len(self.problems) > show:
                out.append(f"  ... and {len(self.problems) - show} more")
        if self.unmatched is not None and self.unmatched.height:
            out.append(f"{self.unmatched.height} rows matched no game in the snapshot:")
            out += [f"  {row_text(row)}" for row in self.unmatched.head(show).iter_rows(named=True)]
            if self.unmatched.height > show:
                out.append(f"  ... and {self.unmatched.height - show} more")
        return out + self.notes


def row_text(row: dict[str, object]) -> str:
    """A source row as people read it: "line 12, event_id 9, date 2016-07-12, home NL"
    (not a Python tuple of reprs); a missing value is "-"."""
    return ", ".join(f"{name} {'-' if value is None else value}" for name, value in row.items())


def collect_problems(
    frame: pl.DataFrame, reason_column: str, file: str, line_column: str, strict: bool
) -> list[Problem]:
    """Problems for rows whose ``reason_column`` is set (their file is ``file``, or the
    row's own ``file`` column where it has one); with ``strict`` the first one raises."""
    bad = frame.filter(pl.col(reason_column).is_not_null())
    files = bad["file"] if "file" in bad.columns else pl.Series([file] * bad.height)
    problems = sorted(
        Problem(str(name), int(line), str(reason))
        for name, line, reason in zip(files, bad[line_column], bad[reason_column], strict=True)
    )
    if strict and problems:
        raise MlbError(f"{problems[0]} (without --strict such rows are skipped and counted)")
    return problems


def cut_off_problems(cut_off: Problem | None, strict: bool) -> list[Problem]:
    """The cut-off last line of a truncated file read in part, as a skipped line; with
    ``strict`` it fails like any other malformed line."""
    if cut_off is None:
        return []
    if strict:
        raise MlbError(f"{cut_off} (without --strict such rows are skipped and counted)")
    return [cut_off]
