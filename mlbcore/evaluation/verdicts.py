"""Verdict cards: one per target, what an analyst asks first. Does the model beat the
market (the difference in the primary metric with its 95 % interval), what did betting
its edges return (yield and Kelly bankroll, with the number of bets), closing-line value,
the health word, and flags for a degenerate model, in words.

A card's colour comes from the interval, never from the point estimate: green only when
the whole interval says the model scores better than the market on the same games (and
nothing undermines the comparison: no in-sample games, no degenerate flag), red when it
says worse, neutral otherwise. Pure data; the notebooks draw it (``mlbcore.notebook``)."""

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from mlbcore.formatting import count, interval, percent, signed_significant, significant
from mlbcore.targets import PRIMARY_METRIC, Target
from mlbcore.training.bootstrap import BETTER, NO_CLEAR_DIFFERENCE, WORSE, Interval

Colour = Literal["green", "red", "neutral"]

# Fewer priced games than this and no interval is read as a verdict.
MIN_GAMES_FOR_VERDICT = 30
# Degenerate-model thresholds. Predictions "nearly constant": their spread (standard
# deviation across games) under this share of the market's on the same games, or under
# the promotion gate's floor where no market priced them.
CONSTANT_SHARE_OF_MARKET_SPREAD = 0.25
CONSTANT_FLOOR = {True: 0.01, False: 0.1}  # probability (binary), runs (regression)
CROWDED_BIN_SHARE = 0.75  # one calibration bin holding more than this share of the games
BET_SHARE = 0.5  # bets on more than this share of the priced games


@dataclass(frozen=True)
class DegenerateMeasures:
    """What the degenerate-model flags are read from; logged with an evaluation so the
    landing page can flag its champion without scoring it again."""

    prediction_spread: float  # standard deviation of the model's predictions
    market_spread: float | None  # the market's on the priced games; None without prices
    largest_bin_share: float  # share of the games in the fullest calibration bin
    bet_share: float | None  # bets per priced game; None for a target that is not bet

    def as_dict(self) -> dict[str, float]:
        nan = float("nan")
        return {
            "prediction_spread": self.prediction_spread,
            "market_spread": nan if self.market_spread is None else self.market_spread,
            "largest_bin_share": self.largest_bin_share,
            "bet_share": nan if self.bet_share is None else self.bet_share,
        }

    @classmethod
    def from_dict(cls, values: dict[str, float]) -> "DegenerateMeasures | None":
        if "prediction_spread" not in values or "largest_bin_share" not in values:
            return None  # an evaluation logged before these were measured

        def present(name: str) -> float | None:
            value = values.get(name)
            return None if value is None or value != value else value

        return cls(
            values["prediction_spread"],
            present("market_spread"),
            values["largest_bin_share"],
            present("bet_share"),
        )


def degenerate_measures(
    scored: pl.DataFrame, calibration: pl.DataFrame, bets: int | None
) -> DegenerateMeasures:
    """Measures of ``scored`` (an evaluation's games: ``prediction`` and
    ``market_prediction``, null where unpriced) and its calibration table; ``bets`` placed,
    or None when the target is not bet."""
    priced = scored.drop_nulls("market_prediction")
    # .item() of a one-value frame: a plain float for pyright, not polars' "any value".
    market_spread = (
        priced.select(pl.col("market_prediction").std()).item() if priced.height > 1 else None
    )
    spread = scored.select(pl.col("prediction").std()).item() if scored.height > 1 else 0.0
    share = calibration.select(pl.col("games").max() / pl.col("games").sum()).item()
    return DegenerateMeasures(
        prediction_spread=float(spread or 0.0),
        market_spread=None if market_spread is None else float(market_spread),
        largest_bin_share=float(share) if calibration.height else 0.0,
        bet_share=None if bets is None or not priced.height else bets / priced.height,
    )


def constant_predictions_flag(measures: DegenerateMeasures, binary: bool) -> str | None:
    """Words when the predictions barely move from game to game."""
    floor = CONSTANT_FLOOR[binary]
    market, spread = measures.market_spread, measures.prediction_spread
    unit = "" if binary else " runs"
    said = f"predictions nearly constant: they vary by {significant(spread, 2)}{unit} across games"
    if market and spread < CONSTANT_SHARE_OF_MARKET_SPREAD * market:
        return f"{said}, the market's by {significant(market, 2)}{unit}"
    if spread < floor:
        return f"{said} (under {floor}{unit})"
    return None


def crowded_bin_flag(measures: DegenerateMeasures) -> str | None:
    """Words when one calibration bin holds most games: the chart says little."""
    if measures.largest_bin_share > CROWDED_BIN_SHARE:
        return f"one calibration bin holds {percent(measures.largest_bin_share, 0)} of the games"
    return None


def most_games_bet_flag(measures: DegenerateMeasures) -> str | None:
    """Words when the model bets most games: it disagrees with the market everywhere."""
    if measures.bet_share is not None and measures.bet_share > BET_SHARE:
        return f"bets on {percent(measures.bet_share, 0)} of the priced games"
    return None


def degenerate_flags(measures: DegenerateMeasures | None, binary: bool) -> list[str]:
    """Every degenerate-model flag that holds, in words."""
    if measures is None:
        return []
    flags = (
        constant_predictions_flag(measures, binary),
        crowded_bin_flag(measures),
        most_games_bet_flag(measures),
    )
    return [flag for flag in flags if flag]


@dataclass(frozen=True)
class BettingNumbers:
    bets: int
    flat_yield: float
    yield_low: float | None
    yield_high: float | None
    yield_verdict: str
    kelly_bankroll: float
    clv_mean: float | None


@dataclass(frozen=True)
class VerdictCard:
    target: Target
    colour: Colour
    verdict: str  # the model against the market, in words
    vs_market: str  # the difference and its interval, or why there is none
    betting: str  # yield, Kelly bankroll and bets; or why there are none
    clv: str
    health: str | None = None
    detail: str = ""  # which model, which games
    warnings: tuple[str, ...] = field(default_factory=tuple)
    role: str = ""  # which model of the target, where a page shows more than one

    def lines(self) -> list[str]:
        """The card as plain lines, for a script run or the CLI."""
        who = f"{self.target} {self.role}".strip()
        head = f"{who}: {self.verdict}" + (f" ({self.health})" if self.health else "")
        body = [self.vs_market, self.betting, self.clv, self.detail]
        return [head, *(f"  {line}" for line in body if line)] + [
            f"  warning: {w}" for w in self.warnings
        ]


def market_verdict(vs_market: Interval | None) -> str:
    """The model against the market, in the interval's words."""
    if vs_market is None:
        return "not compared with the market"
    if vs_market.games < MIN_GAMES_FOR_VERDICT:
        return "too few games to judge against the market"
    return {
        BETTER: "beats the market",
        WORSE: "worse than the market",
        NO_CLEAR_DIFFERENCE: "no clear difference from the market",
    }[vs_market.verdict]


def card_colour(vs_market: Interval | None, warnings: list[str] | tuple[str, ...]) -> Colour:
    """Green only when the interval lies wholly on the model's better side and nothing
    undermines the comparison; red when it lies wholly on the worse side."""
    if vs_market is None or vs_market.games < MIN_GAMES_FOR_VERDICT:
        return "neutral"
    if vs_market.verdict == WORSE:
        return "red"
    if vs_market.verdict == BETTER and not warnings:
        return "green"
    return "neutral"


def vs_market_text(vs_market: Interval | None) -> str:
    if vs_market is None:
        return "no market price on these games"
    return (
        f"model minus market {vs_market.metric} {signed_significant(vs_market.estimate)} (95 % "
        f"CI {signed_significant(vs_market.low)} to {signed_significant(vs_market.high)}; "
        "lower is better), "
        f"{count(vs_market.games)} games"
    )


def betting_text(target: Target, numbers: BettingNumbers | None, priced: bool = True) -> str:
    if not target.is_binary:
        return "not bet (run totals)"
    if not priced:
        return "no bets: no market price to bet against"
    if numbers is None or not numbers.bets:
        return "no bets: no edge cleared the threshold"
    return (
        f"yield {percent(numbers.flat_yield, sign=True)} "
        f"(95 % CI {interval(numbers.yield_low, numbers.yield_high, as_percent=True)}: "
        f"{numbers.yield_verdict}), Kelly bankroll {significant(numbers.kelly_bankroll, 3)}x, "
        f"{count(numbers.bets)} bets"
    )


def clv_text(numbers: BettingNumbers | None) -> str:
    if numbers is None or numbers.clv_mean is None or numbers.clv_mean != numbers.clv_mean:
        return "CLV: no bets to measure it on"
    return f"CLV {percent(numbers.clv_mean, sign=True)} per bet"


def verdict_card(
    target: Target,
    vs_market: Interval | None,
    betting: BettingNumbers | None,
    health: str | None = None,
    detail: str = "",
    warnings: list[str] | tuple[str, ...] = (),
    role: str = "",
) -> VerdictCard:
    """A card from its numbers; ``warnings`` (in-sample games, degenerate flags) keep it
    from being green."""
    return VerdictCard(
        target=target,
        colour=card_colour(vs_market, warnings),
        verdict=market_verdict(vs_market),
        vs_market=vs_market_text(vs_market),
        betting=betting_text(target, betting, priced=vs_market is not None),
        clv=clv_text(betting),
        health=health,
        detail=detail,
        warnings=tuple(warnings),
        role=role,
    )


def logged_card(
    target: Target,
    metrics: dict[str, float],
    health: str | None = None,
    detail: str = "",
    role: str = "",
) -> VerdictCard:
    """A card from an evaluation run's logged metrics (``eval_`` prefix removed), as the
    landing page reads its champion's last out-of-sample evaluation."""
    metric = PRIMARY_METRIC[target]
    prefix = f"vs_market_{metric}_"
    vs_market = None
    if f"{prefix}diff" in metrics:
        vs_market = Interval(
            metric=metric,
            estimate=metrics[f"{prefix}diff"],
            low=metrics[f"{prefix}diff_ci_low"],
            high=metrics[f"{prefix}diff_ci_high"],
            games=int(metrics.get(f"{prefix}games", 0)),
            dates=0,
            block_dates=0,
            resamples=0,
        )
    betting = None
    if "betting_bets" in metrics:
        low = metrics.get("betting_flat_yield_ci_low")
        high = metrics.get("betting_flat_yield_ci_high")
        yield_verdict = "no bets"
        if low is not None and high is not None and low == low:
            yield_verdict = BETTER if low > 0 else WORSE if high < 0 else NO_CLEAR_DIFFERENCE
        betting = BettingNumbers(
            bets=int(metrics["betting_bets"]),
            flat_yield=metrics.get("betting_flat_yield", 0.0),
            yield_low=low,
            yield_high=high,
            yield_verdict=yield_verdict,
            kelly_bankroll=metrics.get("betting_kelly_bankroll", 1.0),
            clv_mean=metrics.get("betting_clv_mean"),
        )
    measures = DegenerateMeasures.from_dict(
        {k.removeprefix("degenerate_"): v for k, v in metrics.items()}
    )
    flags = degenerate_flags(measures, target.is_binary)
    return verdict_card(target, vs_market, betting, health, detail, flags, role)
