"""The three prediction targets and what kind of model each one is."""

from enum import StrEnum

from mlbcore.errors import MlbError


class Target(StrEnum):
    MONEYLINE_HOME_WIN = "moneyline_home_win"  # does the home team win
    TOTAL_OVER_UNDER = "total_over_under"  # do total runs beat the market total at the cutoff
    RUN_TOTAL_REGRESSION = "run_total_regression"  # total runs scored

    @property
    def is_binary(self) -> bool:
        return self is not Target.RUN_TOTAL_REGRESSION


ALL_TARGETS: tuple[Target, ...] = tuple(Target)
# The metric each target is judged on (lower is better): promotion, retraining, status.
PRIMARY_METRIC = {
    Target.MONEYLINE_HOME_WIN: "log_loss",
    Target.TOTAL_OVER_UNDER: "log_loss",
    Target.RUN_TOTAL_REGRESSION: "rmse",
}


def parse_targets(names: list[str] | None) -> list[Target]:
    """Targets from user input; unknown names fail with the list of valid ones."""
    if not names:
        return list(ALL_TARGETS)
    valid = [t.value for t in ALL_TARGETS]
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise MlbError(f"unknown target {unknown[0]!r}; valid targets: {', '.join(valid)}")
    return [Target(n) for n in dict.fromkeys(names)]
