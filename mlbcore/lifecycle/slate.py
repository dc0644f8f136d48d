"""The slate of a date: what to bet on each game, priced and scored as of its cutoff, and
for a date whose results are in, how each bet did.

One row per game of the date (``date`` is the local date at the park): teams by name,
first pitch in local time and UTC, the starters, the market's prices and no-vig
probability at the cutoff (``ML_CUTOFF_MINUTES`` before first pitch), the probability
(or runs) of the champion in place at that cutoff, the edge, the side to bet and its
fractional-Kelly stake in money (``evaluation.betting``'s rules, with the minimum edge
given), then the result and the bet's profit where the game is over. A game with no bet
says why.
"""

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from mlbcore.data.snapshot import Snapshot
from mlbcore.data.source import load_data
from mlbcore.data.teams import local_time_zones, per_time_zone, team_names
from mlbcore.data.timing import cutoff_utc
from mlbcore.errors import MlbError
from mlbcore.evaluation.betting import BettingRules, bets
from mlbcore.feature_cache.cached_features import slate_features
from mlbcore.feature_cache.store import CacheStats
from mlbcore.features.market import bet_prices
from mlbcore.features.odds import no_vig_prob
from mlbcore.files import shown
from mlbcore.lifecycle.slate_scoring import score_as_of_cutoffs
from mlbcore.settings import Settings
from mlbcore.targets import Target

NO_PRICE = "no price at the cutoff"
BELOW_EDGE = "edge below the minimum"
NOT_BET = "a run total is a number of runs, not a probability: not bet"


@dataclass(frozen=True)
class SlateTotals:
    """The day's bets and, of those settled, what they made."""

    games: int
    bets: int
    staked: float  # money, every bet of the day
    settled: int  # bets whose game is over
    profit: float  # money, settled bets
    settled_stake: float

    @property
    def yield_pct(self) -> float:
        """Profit per money staked on settled bets, in %; NaN with none settled."""
        return 100 * self.profit / self.settled_stake if self.settled_stake else math.nan

    def text(self) -> str:
        """One line for people."""
        line = f"{self.games} games, {self.bets} bets, staked {self.staked:.2f}"
        if not self.bets:
            return line
        if not self.settled:
            return line + "; no result yet"
        pending = f" ({self.bets - self.settled} not settled)" if self.settled < self.bets else ""
        return line + f"; profit {self.profit:+.2f}, yield {self.yield_pct:+.1f} %{pending}"


@dataclass(frozen=True)
class Slate:
    day: date
    target: Target
    min_edge: float
    bankroll: float
    frame: pl.DataFrame  # one row per game, first pitch order
    totals: SlateTotals
    notices: tuple[str, ...]

    @property
    def past(self) -> bool:
        """Every game of the date has its result."""
        return bool(self.frame["result"].is_not_null().all())


def check_slate_inputs(min_edge: float, bankroll: float) -> None:
    if not 0 <= min_edge < 1 or math.isnan(min_edge):
        raise MlbError(f"the minimum edge must be at least 0 and below 1, got {min_edge}")
    if not 0 <= bankroll < math.inf:
        raise MlbError(f"the bankroll must be a non-negative amount of money, got {bankroll}")


def latest_game_date(snapshot: Snapshot) -> date:
    """The data's latest date with games: a slate's default."""
    last = snapshot.games["date"].max()
    if not isinstance(last, date):
        raise MlbError(f"{shown(snapshot.source)} holds no games")
    return last


def require_games_on(snapshot: Snapshot, day: date) -> None:
    """Refuse a date without games, saying which dates the data has."""
    dates = snapshot.games["date"]
    if (dates == day).any():
        return
    first, last = dates.min(), dates.max()
    inside = isinstance(first, date) and isinstance(last, date) and first <= day <= last
    raise MlbError(
        f"no games on {day}: the data has games from {first} to {last}"
        + (", none that day; pick another date" if inside else "; pick a date between them")
    )


def slate(
    settings: Settings,
    day: date | None,
    target: Target,
    min_edge: float,
    bankroll: float,
    data: Path | str | None = None,
    snapshot: Snapshot | None = None,
) -> Slate:
    """``day``'s slate (default: the data's latest date with games) for ``target``,
    betting edges above ``min_edge`` with fractional-Kelly stakes of ``bankroll``.
    ``snapshot`` is the data when the caller has it loaded (the app, a bench)."""
    check_slate_inputs(min_edge, bankroll)
    snapshot = snapshot if snapshot is not None else load_data(settings, data)
    day = day if day is not None else latest_game_date(snapshot)
    require_games_on(snapshot, day)
    stats = CacheStats()
    features = slate_features(snapshot, settings, day, stats).with_columns(
        cutoff_utc(settings.ml_cutoff_minutes)
    )
    games = snapshot.games.filter(pl.col("date") == day)
    scored = score_as_of_cutoffs(settings, target, snapshot.games_source, features)
    prices = bet_prices(
        features.select("game_id", "first_pitch_utc", "cutoff_utc"),
        snapshot.odds_lines,
        settings.market_book,
    )
    rules = BettingRules(**settings.betting.model_dump() | {"edge_threshold": min_edge})
    frame = _slate_frame(games, features, prices, scored, target, rules, bankroll)
    return Slate(
        day, target, min_edge, bankroll, frame, slate_totals(frame),
        (*snapshot.notices, *stats.lines()),
    )  # fmt: skip


def _sides(target: Target) -> tuple[str, str]:
    return ("home", "away") if target is Target.MONEYLINE_HOME_WIN else ("over", "under")


def _slate_frame(
    games: pl.DataFrame,
    features: pl.DataFrame,
    prices: pl.DataFrame,
    scored: pl.DataFrame,
    target: Target,
    rules: BettingRules,
    bankroll: float,
) -> pl.DataFrame:
    a, b = _sides(target)
    runs = pl.col("home_score").cast(pl.Float64) + pl.col("away_score").cast(pl.Float64)
    won_a = (
        (pl.col("home_score") > pl.col("away_score"))
        if target is Target.MONEYLINE_HOME_WIN
        else pl.when(runs != pl.col("total_line")).then(runs > pl.col("total_line"))
    )
    base = (
        features.select("game_id", "date", "first_pitch_utc", "cutoff_utc")
        .join(games.drop("date", "first_pitch_utc"), on="game_id", maintain_order="left")
        .join(prices, on="game_id", how="left", maintain_order="left")
        .join(scored, on="game_id", how="left", maintain_order="left")
        .with_columns(
            price_a=pl.col(f"price_{a}"),
            price_b=pl.col(f"price_{b}"),
            prob=pl.col("model") if target.is_binary else pl.lit(None, pl.Float64),
            won_a=won_a.cast(pl.Int8),
            push=(runs == pl.col("total_line")).fill_null(False)
            if target is not Target.MONEYLINE_HOME_WIN
            else pl.lit(False),
        )
    )
    priced = base.drop_nulls(["price_a", "price_b", "prob"])
    # Every priced game's better side and its edge; then the day's bets under the rules.
    best = bets(priced, BettingRules(-math.inf, rules.kelly_fraction, rules.max_stake))
    placed = bets(priced, rules).select("game_id", "kelly_stake", "flat_profit")
    frame = (
        base.join(best.select("game_id", "side", "edge"), on="game_id", how="left")
        .join(placed, on="game_id", how="left")
        .sort("first_pitch_utc", "game_id")
    )
    return _for_people(frame, target, bankroll)


def _for_people(frame: pl.DataFrame, target: Target, bankroll: float) -> pl.DataFrame:
    """The slate's columns, named for people and by their zone and unit."""
    a = _sides(target)[0]
    frame = team_names(
        frame.with_columns(home_name=pl.col("home_team"), away_name=pl.col("away_team")),
        ["home_name", "away_name"],
        "season",
    )
    home, away = pl.col("home_name"), pl.col("away_name")
    name_a, name_b = (home, away) if target is Target.MONEYLINE_HOME_WIN else (
        pl.lit("Over"), pl.lit("Under"),
    )  # fmt: skip
    zones = local_time_zones(frame)
    local = per_time_zone(
        zones,
        lambda zone: frame["first_pitch_utc"].dt.convert_time_zone(zone).dt.strftime("%H:%M %Z"),
        pl.String(),
    )
    bet = pl.col("kelly_stake").is_not_null()
    settled = bet & (pl.col("won_a").is_not_null() | pl.col("push"))
    stake = pl.col("kelly_stake") * bankroll
    market = (
        [pl.col("price_home"), pl.col("price_away"),
         no_vig_prob(pl.col("price_home"), pl.col("price_away")).alias("market_home_prob")]
        if target is Target.MONEYLINE_HOME_WIN
        else [pl.col("total_line"), pl.col("price_over"), pl.col("price_under"),
              no_vig_prob(pl.col("price_over"), pl.col("price_under")).alias("market_over_prob")]
    )  # fmt: skip
    model = pl.col("model").alias(f"model_{a}_prob" if target.is_binary else "model_runs")
    why = (
        pl.when(pl.col("model_why").is_not_null())
        .then(pl.col("model_why"))
        .when(pl.col("price_a").is_null() | pl.col("price_b").is_null())
        .then(pl.lit(NO_PRICE))
        .when(pl.lit(not target.is_binary))
        .then(pl.lit(NOT_BET))
        .when(~bet)
        .then(pl.lit(BELOW_EDGE))
    )
    return frame.select(
        "game_id",
        "date",
        away.alias("away"),
        home.alias("home"),
        local.alias("first_pitch_local"),
        "first_pitch_utc",
        pl.coalesce(
            "away_starting_pitcher_name", "away_starter_listed_id", "away_starting_pitcher_id"
        ).alias("away_starter"),
        pl.coalesce(
            "home_starting_pitcher_name", "home_starter_listed_id", "home_starting_pitcher_id"
        ).alias("home_starter"),
        *market,
        model,
        pl.col("edge"),
        pl.when(bet)
        .then(pl.when(pl.col("side") == "a").then(name_a).otherwise(name_b))
        .alias("bet"),
        pl.when(bet).then(stake).alias("stake"),
        pl.col("model_version"),
        pl.col("scored_by"),
        _result(target, home, away).alias("result"),
        pl.when(settled)
        .then(pl.when(pl.col("push")).then(0.0).otherwise(stake * pl.col("flat_profit")))
        .alias("profit"),
        why.alias("why"),
    )


def _result(target: Target, home: pl.Expr, away: pl.Expr) -> pl.Expr:
    """The winner and the score, and for totals the runs against the line; null before
    the game is over."""
    h, a = pl.col("home_score"), pl.col("away_score")
    if target is Target.MONEYLINE_HOME_WIN:
        winner = pl.when(h > a).then(home).otherwise(away)
        text = pl.format("{} {}-{}", winner, pl.max_horizontal(h, a), pl.min_horizontal(h, a))
    else:
        side = (
            pl.when(pl.col("push"))
            .then(pl.lit("push"))
            .when(pl.col("won_a") == 1)
            .then(pl.lit("Over"))
            .when(pl.col("won_a") == 0)
            .then(pl.lit("Under"))
            .otherwise(pl.lit("no line"))
        )
        text = pl.format("{} runs, {}", h.cast(pl.Int32) + a.cast(pl.Int32), side)
    return pl.when(h.is_not_null() & a.is_not_null()).then(text)


def slate_totals(frame: pl.DataFrame) -> SlateTotals:
    """The day's totals of ``slate``'s frame."""
    bet = frame.filter(pl.col("stake").is_not_null())
    settled = bet.filter(pl.col("profit").is_not_null())
    return SlateTotals(
        games=frame.height,
        bets=bet.height,
        staked=float(bet["stake"].sum()),
        settled=settled.height,
        profit=float(settled["profit"].sum()),
        settled_stake=float(settled["stake"].sum()),
    )
