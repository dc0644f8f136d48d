"""Schedules: a train or retrain job with its parameters, run daily or weekly at an hour
(UTC). A schedule's slots are the instants it is due; the scheduler runs the latest slot
that has passed, once, however many slots were missed while nothing was running."""

from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mlbcore.clock import MAX_WINDOW_DAYS
from mlbcore.errors import MlbError
from mlbcore.targets import parse_targets

DAYS_OF_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScheduleSpec(BaseModel):
    """What `mlb schedule` saves, validated before it is stored."""

    model_config = ConfigDict(extra="forbid")

    schedule_type: Literal["daily", "weekly"]
    hour_utc: int = Field(ge=0, le=23)
    day_of_week: int | None = Field(default=None, ge=0, le=6)  # 0 = Monday
    job: Literal["train", "retrain"] = "retrain"
    # train: window; retrain: sliding window
    days: int | None = Field(default=None, ge=1, le=MAX_WINDOW_DAYS)
    targets: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _weekly_needs_a_day(self) -> "ScheduleSpec":
        if self.schedule_type == "weekly" and self.day_of_week is None:
            raise ValueError("a weekly schedule needs --day-of-week (mon..sun)")
        if self.schedule_type == "daily" and self.day_of_week is not None:
            raise ValueError("--day-of-week applies to weekly schedules only")
        if self.job == "retrain" and self.days is not None and not 3 <= self.days <= 10:
            raise ValueError("a retrain job's --days is its sliding window: 3 to 10")
        parse_targets(self.targets or None)
        return self


def parse_day_of_week(text: str | None) -> int | None:
    if text is None:
        return None
    key = text.strip().lower()[:3]
    if key.isdigit() and 0 <= int(key) <= 6:
        return int(key)
    if key not in DAYS_OF_WEEK:
        raise MlbError(f"--day-of-week must be one of {', '.join(DAYS_OF_WEEK)}, got {text!r}")
    return DAYS_OF_WEEK.index(key)


# The flag of `mlb schedule` that sets each field: an error names what the user typed.
FLAGS = {
    "schedule_type": "--schedule-type",
    "hour_utc": "--hour",
    "day_of_week": "--day-of-week",
    "job": "--job",
    "days": "--days",
    "targets": "--targets",
}


def schedule_spec(**values: object) -> ScheduleSpec:
    try:
        return ScheduleSpec.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        if not first["loc"]:  # a rule across fields: its message names the flags
            raise MlbError(f"bad schedule: {message}") from None
        field = str(first["loc"][0])
        flag = FLAGS.get(field, field)
        # "Input should be less than or equal to 23" -> "--hour should be ... 23, got 25"
        what = message.removeprefix("Input ") if message.startswith("Input ") else message
        raise MlbError(f"bad schedule: {flag} {what}, got {first['input']!r}") from None


def latest_slot(
    schedule_type: str, hour_utc: int, day_of_week: int | None, as_of: datetime
) -> datetime:
    """The last instant at or before ``as_of`` when the schedule was due."""
    as_of = as_of.astimezone(UTC)
    slot = as_of.replace(hour=hour_utc, minute=0, second=0, microsecond=0)
    if slot > as_of:
        slot -= timedelta(days=1)
    if schedule_type == "weekly" and day_of_week is not None:
        slot -= timedelta(days=(slot.weekday() - day_of_week) % 7)
    return slot


def next_slot(
    schedule_type: str, hour_utc: int, day_of_week: int | None, after: datetime
) -> datetime:
    """The first instant after ``after`` when the schedule is due."""
    step = timedelta(days=7 if schedule_type == "weekly" else 1)
    return latest_slot(schedule_type, hour_utc, day_of_week, after) + step
