"""A synthetic but realistic MLB regular season: games, one book's lines and betting splits,
and its players' tables (lineups, team pitching lines, prior-season splits).

The rest of mlbcore (leakage-safe features, models, notebooks, the CLI) needs data shaped like
the real thing to be built and tested without licences or a network. This module makes one
season from a seed, deterministically, in the snapshot schema of :mod:`mlbcore.data.schema`.

What is modelled, and why:

* **Schedule.** 30 real Retrosheet teams and parks; 54 slots of 3-game series between randomly
  paired teams (the team with fewer home series hosts, so everyone gets ~81 home games), an
  all-off day after every third series and an All-Star break. Local start ~19:05 or ~13:05
  (more day games on Sundays and getaway days), turned into UTC with each park's summer offset,
  which is exact because the whole season lies inside US daylight saving time.
* **Doubleheaders.** A few rained-out games (open-air parks only) are made up later in the same
  series, either traditionally (game 2 starts 35 min after game 1 ends) or as a day-night split.
  Both kinds matter to features that must not use a game that has not ended by cutoff time.
* **Latent strength.** Each team has offense and defense/bullpen ratings that drift slowly
  (a random walk), and a five-man rotation whose starters carry ~60 % of the runs allowed, with
  replacements and spot starters through the season. Strength that persists is what makes
  rolling features worth computing.
* **Runs.** Negative binomial per team-game (over-dispersed like real scoring, SD ~3.1), with
  park factors and a small home edge; ties go to extra innings.
* **Truth and market.** The true home-win probability and expected total come from the same
  distributions. The book's belief is truth plus noise that shrinks toward first pitch, so
  prices are informative, noisy and move toward the truth; the no-vig close beats a constant
  but loses to the truth, which keeps any edge a model finds honest and small.
* **Missing end times.** About one game in ten has no ``game_end_utc`` (a feed that missed
  the final out, as Retrosheet's logs miss all of them); features then take its result as
  known only from the next morning.
* **Splits.** The public's ticket share leans to favourites, home teams, overs and popular clubs;
  the money share is pushed toward the side the truth favours over the price (sharp money).
* **Players.** Lineups, team pitching lines and the prior season's platoon splits come from
  :mod:`mlbcore.data.demo_players`, on a random stream of their own (``[seed, 1]``), so the
  tables above are the same numbers with them as without them.

Over ~300 lines on purpose: one generator of one season, whose parts share its random
state.
"""

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import stats
from scipy.special import expit, logit

from mlbcore.data.demo_players import generate_players
from mlbcore.data.schema import SORT_KEYS, TABLES
from mlbcore.data.snapshot import prepare_out, write_snapshot

# (team, home park, summer UTC offset in hours, park run factor)
TEAMS: tuple[tuple[str, str, int, float], ...] = (
    ("ANA", "ANA01", -7, 0.97),
    ("ARI", "PHO01", -7, 1.04),
    ("ATL", "ATL02", -4, 1.00),
    ("BAL", "BAL12", -4, 1.03),
    ("BOS", "BOS07", -4, 1.05),
    ("CHA", "CHI12", -5, 1.01),
    ("CHN", "CHI11", -5, 1.03),
    ("CIN", "CIN09", -4, 1.05),
    ("CLE", "CLE08", -4, 1.00),
    ("COL", "DEN02", -6, 1.15),
    ("DET", "DET05", -4, 1.00),
    ("HOU", "HOU03", -5, 0.99),
    ("KCA", "KAN06", -5, 1.01),
    ("LAN", "LOS03", -7, 0.96),
    ("MIA", "MIA02", -4, 0.96),
    ("MIL", "MIL06", -5, 1.02),
    ("MIN", "MIN04", -5, 1.00),
    ("NYA", "NYC21", -4, 1.02),
    ("NYN", "NYC20", -4, 0.96),
    ("OAK", "OAK01", -7, 0.96),
    ("PHI", "PHI13", -4, 1.02),
    ("PIT", "PIT08", -4, 0.97),
    ("SDN", "SAN02", -7, 0.95),
    ("SEA", "SEA03", -7, 0.95),
    ("SFN", "SFO03", -7, 0.95),
    ("SLN", "STL10", -5, 0.98),
    ("TBA", "STP01", -4, 0.96),
    ("TEX", "ARL02", -5, 1.04),
    ("TOR", "TOR02", -4, 1.01),
    ("WAS", "WAS11", -4, 1.00),
)
CODES = np.array([t[0] for t in TEAMS])
PARKS = np.array([t[1] for t in TEAMS])
UTC_OFFSET_H = np.array([t[2] for t in TEAMS])
PARK_FACTOR = np.array([t[3] for t in TEAMS])
ROOFED_PARKS = frozenset({"HOU03", "MIA02", "MIL06", "PHO01", "SEA03", "STP01", "TOR02"})
POPULAR = {"NYA": 6.0, "BOS": 5.0, "CHN": 5.0, "LAN": 4.0, "SFN": 3.0, "SLN": 3.0}

N_SLOTS = 54  # 54 three-game series = 162 games per team
LEAGUE_RUNS = 4.33  # nine-inning mean; extra innings and rating spread add ~0.1
RUN_SIZE = 4.0  # negative-binomial size: a mean of 4.5 then has SD ~3.1 like real team-games
# log-scale, half added to the home mean and half taken off the visitors': this size gives the
# real ~54 % home win rate
HOME_EDGE = 0.088
STARTER_SHARE = 0.6  # a starter pitches ~60 % of the innings, so carries that share of runs
EXTRA_HOME_WIN = 0.52
EXTRA_GEOM_P = 0.55  # most extra-inning games end in the 10th or 11th
EXTRA_TIED_RATE = 0.25  # runs each side adds per extra inning that stays tied
AWAY_EXTRA_MARGIN = 0.5  # a visitor's winning margin is 1 + Poisson(this); walk-offs are by 1
OPEN_MIN = 36 * 60  # the book opens a game 36 h before first pitch
# Games whose final-out time the feed missed (game_end_utc null): their results count from
# the next morning, as for Retrosheet, so that rule is exercised without real data.
UNKNOWN_END_SHARE = 0.1
MAX_RUNS = 40


def _schedule(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One row per game: day index, home/away team index, doubleheader number and kind."""
    home_series = np.zeros(30)
    homes, aways = [], []
    for _ in range(N_SLOTS):
        perm = rng.permutation(30)
        a, b = perm[0::2], perm[1::2]
        # the side with fewer home series hosts, which keeps every club near 81 home games
        swap = (home_series[b] < home_series[a]) | (
            (home_series[b] == home_series[a]) & (rng.random(15) < 0.5)
        )
        home, away = np.where(swap, b, a), np.where(swap, a, b)
        home_series[home] += 1
        homes.append(home)
        aways.append(away)
    s_home, s_away = np.concatenate(homes), np.concatenate(aways)
    slot = np.repeat(np.arange(N_SLOTS), 15)
    start_day = 3 * slot + slot // 3 + 3 * (slot >= 30)  # off day per 3 series; All-Star break

    offsets = np.tile([0, 1, 2], (len(slot), 1))
    dh = np.zeros_like(offsets)
    # a rain-out on day r made up as a doubleheader on a later day d of the same series
    patterns = np.array([[1, 1, 2], [1, 2, 2], [0, 2, 2]])
    dh_numbers = np.array([[1, 2, 0], [0, 1, 2], [0, 1, 2]])
    open_air = np.flatnonzero([p not in ROOFED_PARKS for p in PARKS[s_home]])
    n_dh = max(2, int(rng.binomial(len(open_air), 0.02)))
    chosen = np.sort(rng.choice(open_air, n_dh, replace=False))
    pattern = rng.integers(0, 3, n_dh)
    offsets[chosen], dh[chosen] = patterns[pattern], dh_numbers[pattern]
    traditional = np.zeros(len(slot), dtype=bool)
    traditional[chosen] = rng.permutation(np.arange(n_dh) % 2 == 0)  # both kinds, always

    return {
        "day": (start_day[:, None] + offsets).ravel(),
        "home": np.repeat(s_home, 3),
        "away": np.repeat(s_away, 3),
        "dh": dh.ravel(),
        "traditional": np.repeat(traditional, 3),
        "getaway": offsets.ravel() == 2,
    }


def _starters(
    rng: np.random.Generator, sched: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Starting pitcher id and quality (log runs allowed) for home and away, in rotation order."""
    n = len(sched["day"])
    team = np.concatenate([sched["home"], sched["away"]])
    order = np.lexsort((np.tile(sched["day"] * 3 + sched["dh"], 2), team))
    ids = np.empty(2 * n, dtype=object)
    quality = np.empty(2 * n)
    for t in range(30):
        rows = order[team[order] == t]
        k = np.arange(len(rows))
        slot = k % 5
        pitcher = slot.copy()
        q = list(rng.normal(0.0, 0.14, 5))
        # injuries and demotions: a rotation spot goes to a (usually worse) newcomer
        for _ in range(rng.poisson(1.5)):
            s, k0 = rng.integers(5), rng.integers(20, len(rows))
            pitcher[(slot == s) & (k >= k0)] = len(q)
            q.append(rng.normal(0.04, 0.12))
        # clubs spare the rotation by giving the second game of a doubleheader to a spot starter
        for i in np.flatnonzero(np.tile(sched["dh"], 2)[rows] == 2):
            pitcher[i] = len(q)
            q.append(rng.normal(0.08, 0.12))
        ids[rows] = np.char.add(f"{CODES[t].lower()}ps", (101 + pitcher).astype(str))
        quality[rows] = np.asarray(q)[pitcher]
    return ids[:n], ids[n:], quality[:n], quality[n:]


def _expected_runs(
    rng: np.random.Generator,
    sched: dict[str, np.ndarray],
    sp_home: np.ndarray,
    sp_away: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean runs of home and away from drifting team ratings, starters, park and home edge;
    and each club's offense level at the start of the season (log runs, league 0)."""
    n_days = sched["day"].max() + 1
    drift = rng.normal(0.0, 0.003, (2, n_days, 30)).cumsum(axis=1)
    # sd 0.09 (0.14 for starters) makes closing favourites average about -140, as in real books;
    # ratings are relative to the league, so centre them: the league mean stays put across seeds
    level = rng.normal(0.0, 0.09, (2, 30))
    offense, defense = (level - level.mean(axis=1, keepdims=True))[:, None, :] + drift
    d, h, a = sched["day"], sched["home"], sched["away"]
    park = np.log(PARK_FACTOR[h])
    allowed_by_away = STARTER_SHARE * sp_away + defense[d, a]
    allowed_by_home = STARTER_SHARE * sp_home + defense[d, h]
    base = np.log(LEAGUE_RUNS) + park
    mu_home = np.exp(base + offense[d, h] + allowed_by_away + HOME_EDGE / 2)
    mu_away = np.exp(base + offense[d, a] + allowed_by_home - HOME_EDGE / 2)
    return mu_home, mu_away, offense[0]


def _nb_pmf(mu: np.ndarray) -> np.ndarray:
    """P(runs = 0..MAX_RUNS) in nine innings, one row per game."""
    runs = np.arange(MAX_RUNS + 1)
    return stats.nbinom.pmf(runs[None, :], RUN_SIZE, RUN_SIZE / (RUN_SIZE + mu[:, None]))


def _play(
    rng: np.random.Generator, mu_home: np.ndarray, mu_away: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Final scores and innings; ties after nine are settled in extra innings."""
    home = rng.negative_binomial(RUN_SIZE, RUN_SIZE / (RUN_SIZE + mu_home))
    away = rng.negative_binomial(RUN_SIZE, RUN_SIZE / (RUN_SIZE + mu_away))
    tie = home == away
    extra = np.minimum(rng.geometric(EXTRA_GEOM_P, len(home)), 9)
    tied_runs = rng.poisson(EXTRA_TIED_RATE * (extra - 1))
    home_wins = rng.random(len(home)) < EXTRA_HOME_WIN
    away_margin = 1 + rng.poisson(AWAY_EXTRA_MARGIN, len(home))
    home = home + tie * (tied_runs + home_wins)
    away = away + tie * (tied_runs + ~home_wins * away_margin)
    return home, away, np.where(tie, 9 + extra, 9)


def _truth(mu_home: np.ndarray, mu_away: np.ndarray) -> dict[str, np.ndarray]:
    """True win, run-line and total figures from the distributions the scores are drawn from."""
    ph, pa = _nb_pmf(mu_home), _nb_pmf(mu_away)
    cdf_away = pa.cumsum(axis=1)

    def p_margin_at_least(m: int) -> np.ndarray:  # P(home - away >= m) in nine innings
        idx = np.arange(MAX_RUNS + 1) - m
        cdf = np.where(idx >= 0, cdf_away[:, np.clip(idx, 0, MAX_RUNS)], 0.0)
        return (ph * np.where(idx > MAX_RUNS, 1.0, cdf)).sum(axis=1)

    p_tie = (ph * pa).sum(axis=1)
    p_home = p_margin_at_least(1) + EXTRA_HOME_WIN * p_tie
    # home +1.5 survives extras when home walks off or the visitors win by exactly one
    extra_cover = EXTRA_HOME_WIN + (1 - EXTRA_HOME_WIN) * np.exp(-AWAY_EXTRA_MARGIN)
    total_pmf = np.zeros((len(mu_home), 2 * MAX_RUNS + 1))
    for r in range(MAX_RUNS + 1):
        total_pmf[:, r : r + MAX_RUNS + 1] += ph[:, r : r + 1] * pa
    cdf = total_pmf.cumsum(axis=1)
    k = (cdf < 0.5).sum(axis=1)
    below = np.where(k > 0, cdf[np.arange(len(k)), np.maximum(k - 1, 0)], 0.0)
    # runs an extra-inning game adds: tied innings for both sides, then the winning margin
    tied_innings = 1 / EXTRA_GEOM_P - 1
    extra_runs = 2 * EXTRA_TIED_RATE * tied_innings + 1 + (1 - EXTRA_HOME_WIN) * AWAY_EXTRA_MARGIN
    return {
        "p_home": p_home,
        "cover_minus": p_margin_at_least(2),
        "cover_plus": p_margin_at_least(-1) - p_tie + extra_cover * p_tie,
        "total": mu_home + mu_away + extra_runs * p_tie,
        # a continuous median, so the posted total sits where over and under are even money
        "total_median": k - 0.5 + (0.5 - below) / total_pmf[np.arange(len(k)), k],
        "total_sd": np.sqrt(mu_home + mu_away + (mu_home**2 + mu_away**2) / RUN_SIZE),
    }


def _game_times(
    rng: np.random.Generator, sched: dict[str, np.ndarray], innings: np.ndarray, season: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Local date (epoch days), first pitch and final out (epoch seconds, UTC), day/night."""
    april_1 = int(np.datetime64(f"{season}-04-01", "D").astype(np.int64))
    opening = april_1 + (3 - april_1) % 7  # first Sunday of April: 1970-01-01 was a Thursday
    date = opening + sched["day"]
    h, dh = sched["home"], sched["dh"]
    # each club keeps its own habitual start times (19:05, 18:40, 13:10, ...)
    night_start = rng.choice([1145, 1145, 1150, 1120, 1155], 30)[h]
    day_start = rng.choice([785, 785, 790, 755, 800], 30)[h]
    p_day = np.where((date + 3) % 7 == 6, 0.75, np.where(sched["getaway"], 0.4, 0.17))
    start = np.where(rng.random(len(date)) < p_day, day_start, night_start)
    opener = np.where(sched["traditional"], rng.choice([785, 965], len(h)), 785)
    start = np.where(dh == 1, opener, start)
    duration = np.round(np.clip(rng.normal(180, 20, len(h)), 135, 240)) + 20 * (innings - 9)
    second = np.flatnonzero(dh == 2)
    first_end = start[second - 1] + duration[second - 1]  # game 1 is the row before game 2
    start[second] = np.where(
        sched["traditional"][second],
        first_end + 35,
        np.maximum(night_start[second], first_end + 90),
    )
    first_pitch = (date * 1440 + start - UTC_OFFSET_H[h] * 60).astype(np.int64) * 60
    day_night = np.where(start < 17 * 60, "D", "N")
    return date, first_pitch, first_pitch + duration.astype(np.int64) * 60, day_night


def _american(q: np.ndarray) -> np.ndarray:
    """American odds for a vig-inclusive implied probability; never inside (-100, +100)."""
    return np.round(np.where(q >= 0.5, -100 * q / (1 - q), 100 * (1 - q) / q)).astype(np.int64)


def _belief(
    rng: np.random.Generator,
    truth: dict[str, np.ndarray],
    noise: dict[str, np.ndarray],
    g: np.ndarray,
    minutes_before: np.ndarray,
    jitter: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The book's home-win logit and its total error (runs) some minutes before first pitch."""
    # the opening error fades as news (lineups, weather, money) arrives; the closing one stays
    fade = np.sqrt(minutes_before / OPEN_MIN)
    ml = logit(truth["p_home"][g]) + noise["ml_close"][g] + noise["ml_open"][g] * fade
    shift = noise["total_close"][g] + noise["total_open"][g] * fade
    return ml + rng.normal(0, jitter, len(g)), shift + rng.normal(0, 2 * jitter, len(g))


def _odds_lines(
    rng: np.random.Generator,
    game_id: pl.Series,
    first_pitch: np.ndarray,
    truth: dict[str, np.ndarray],
    noise: dict[str, np.ndarray],
) -> pl.DataFrame:
    """Every posted line of one book, from the open 36 h out to just before first pitch."""
    counts = np.clip(np.round(np.exp(rng.normal(np.log(90), 0.45, len(first_pitch)))), 20, 300)
    g = np.repeat(np.arange(len(first_pitch)), counts.astype(np.int64))
    late = rng.random(len(g)) < 0.04
    minutes = np.where(
        late, rng.uniform(0.5, 60, len(g)), 60 + (OPEN_MIN - 60) * rng.random(len(g)) ** 2
    )  # busier near the game
    minutes[np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)] = OPEN_MIN
    ml, shift = _belief(rng, truth, noise, g, minutes, jitter=0.03)
    p_home, vig = expit(ml), 1 + noise["margin"][g]

    median = truth["total_median"][g] + shift
    nearest = np.round(median)
    line = np.where(np.abs(median - nearest) < 0.15, nearest, np.floor(median) + 0.5)
    p_over = stats.norm.cdf((median - line) / truth["total_sd"][g])
    favourite = p_home >= 0.5
    p_cover = np.where(favourite, truth["cover_minus"][g], truth["cover_plus"][g])
    p_cover = expit(logit(p_cover) + ml - logit(truth["p_home"][g]))
    lines = pl.DataFrame(
        {
            "game_id": game_id.gather(g),
            "book": "demo_book",
            "entered_at_utc": first_pitch[g] - np.round(minutes * 60).astype(np.int64),
            "moneyline_home": _american(p_home * vig),
            "moneyline_away": _american((1 - p_home) * vig),
            "total": line,
            "over_price": _american(p_over * vig),
            "under_price": _american((1 - p_over) * vig),
            "run_line_home": np.where(favourite, -1.5, 1.5),
            "run_line_home_price": _american(p_cover * vig),
            "run_line_away_price": _american((1 - p_cover) * vig),
        }
    )
    # two posts in the same second would make the sort order ambiguous: nudge the later ones
    pos = pl.int_range(pl.len())
    return lines.sort("entered_at_utc", maintain_order=True).with_columns(
        ((pl.col("entered_at_utc") - pos).cum_max() + pos).over("game_id")
    )


def _betting_splits(
    rng: np.random.Generator,
    game_id: pl.Series,
    first_pitch: np.ndarray,
    sched: dict[str, np.ndarray],
    truth: dict[str, np.ndarray],
    noise: dict[str, np.ndarray],
) -> pl.DataFrame:
    """Ticket and money shares captured every 2-4 h over the last day before first pitch."""
    n = len(first_pitch)
    since = np.column_stack([rng.uniform(0, 120, n), rng.uniform(120, 240, (n, 11))]).cumsum(1)
    g, step = np.nonzero(since <= 24 * 60 - 1)  # row-major: by game, then time
    minutes = 24 * 60 - since[g, step]
    ml, shift = _belief(rng, truth, noise, g, minutes, jitter=0.0)
    p_market = expit(ml)
    popularity = rng.normal(0, 2, 30) + np.array([POPULAR.get(c, 0.0) for c in CODES])
    lean = rng.normal(0, [[6.0], [6.0], [6.0], [6.0]], (4, n))[:, g]  # each game's own crowd
    wobble = rng.normal(0, [[2.0], [1.5], [2.0], [1.5]], (4, len(g)))
    home, away = sched["home"][g], sched["away"][g]
    ticket_home = (
        53 + 45 * (p_market - 0.5) + popularity[home] - popularity[away] + lean[0] + wobble[0]
    )
    # sharp money: a small push toward whichever side the truth prefers to the price
    money_home = ticket_home + 50 * (truth["p_home"][g] - p_market) + lean[1] + wobble[1]
    ticket_over = 57 + lean[2] + wobble[2]
    money_over = ticket_over - 8 * shift + lean[3] + wobble[3]

    def pct(x: np.ndarray) -> np.ndarray:
        return np.round(np.clip(x, 1, 99), 1)

    base = pl.DataFrame(
        {
            "game_id": game_id.gather(g),
            "source": "demo_splits",
            "captured_at_utc": first_pitch[g] - np.round(minutes * 60).astype(np.int64),
        }
    )
    sides = [
        ("moneyline", "home", "away", ticket_home, money_home),
        ("total", "over", "under", ticket_over, money_over),
    ]
    return pl.concat(
        [
            base.with_columns(
                market=pl.lit(market),
                side=pl.lit(name),
                ticket_pct=np.round(100 - pct(t), 1) if other else pct(t),
                money_pct=np.round(100 - pct(m), 1) if other else pct(m),
            )
            for market, side, other_side, t, m in sides
            for name, other in ((side, False), (other_side, True))
        ]
    )


def _conform(df: pl.DataFrame, table: str) -> pl.DataFrame:
    """Exact schema column order and dtypes (epoch seconds become UTC instants), canonical sort."""
    return df.select(
        (pl.col(c) * 1_000_000).cast(t) if c.endswith("_utc") else pl.col(c).cast(t)
        for c, t in TABLES[table].items()
    ).sort(SORT_KEYS[table])


def generate_demo_season_with_truth(
    seed: int = 2016, season: int = 2016
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """The demo season and, per game, the true home-win probability and expected total."""
    rng = np.random.default_rng(seed)
    sched = _schedule(rng)
    sp_home_id, sp_away_id, sp_home_q, sp_away_q = _starters(rng, sched)
    mu_home, mu_away, offense = _expected_runs(rng, sched, sp_home_q, sp_away_q)
    home_score, away_score, innings = _play(rng, mu_home, mu_away)
    date, first_pitch, game_end, day_night = _game_times(rng, sched, innings, season)
    h, a = sched["home"], sched["away"]
    local_date = pl.Series(date, dtype=pl.Int32).cast(pl.Date)
    game_id = pl.Series(CODES[h]) + local_date.dt.strftime("%Y%m%d") + sched["dh"].astype(str)
    games = pl.DataFrame(
        {
            "game_id": game_id,
            "season": season,
            "date": local_date,
            "first_pitch_utc": first_pitch,
            "game_end_utc": game_end,
            "home_team": CODES[h],
            "away_team": CODES[a],
            "home_starting_pitcher_id": sp_home_id.astype(str),
            "away_starting_pitcher_id": sp_away_id.astype(str),
            "park_id": PARKS[h],
            "day_night": day_night,
            "doubleheader": sched["dh"],
            "innings": innings,
            "home_score": home_score,
            "away_score": away_score,
        }
    )
    truth = _truth(mu_home, mu_away)
    n = len(h)
    noise = {
        "ml_close": rng.normal(0, 0.15, n),
        "ml_open": rng.normal(0, 0.3, n),
        "total_close": rng.normal(0, 0.35, n),
        "total_open": rng.normal(0, 0.7, n),
        "margin": rng.uniform(0.025, 0.045, n),  # overround, the same for all of a game's lines
    }
    frames = {
        "odds_lines": _odds_lines(rng, game_id, first_pitch, truth, noise),
        "betting_splits": _betting_splits(rng, game_id, first_pitch, sched, truth, noise),
    }
    # Drawn last, so every other number of the season is what it was before end times
    # went missing.
    unknown_end = rng.random(n) < UNKNOWN_END_SHARE
    frames["games"] = games.with_columns(
        game_end_utc=pl.when(pl.Series(unknown_end)).then(None).otherwise(pl.col("game_end_utc"))
    )
    # The players' tables come from a stream of their own: the draws above stay as they were.
    starters = pl.DataFrame(
        {
            "pitcher_id": np.concatenate([sp_home_id, sp_away_id]).astype(str),
            "quality": np.concatenate([sp_home_q, sp_away_q]),
        }
    ).unique("pitcher_id", keep="first", maintain_order=True)
    frames |= generate_players(
        np.random.default_rng([seed, 1]),
        games,
        # the first five of a club's rotation (ps101-ps105) started the season in it
        starters.with_columns(rotation=pl.col("pitcher_id").str.slice(-3).cast(pl.Int32) <= 105),
        dict(zip(CODES.tolist(), offense.tolist(), strict=True)),
        CODES,
    )
    truth_frame = pl.DataFrame(
        {
            "game_id": game_id,
            "true_home_win_prob": truth["p_home"],
            "true_expected_total": truth["total"],
        }
    ).sort("game_id")
    return {k: _conform(frames[k], k) for k in TABLES}, truth_frame


def generate_demo_season(seed: int = 2016, season: int = 2016) -> dict[str, pl.DataFrame]:
    """returns {"games": ..., "odds_lines": ..., "betting_splits": ...}

    One synthetic regular season in the snapshot schema, sorted by ``SORT_KEYS``; the same
    seed always gives identical frames.
    """
    return generate_demo_season_with_truth(seed, season)[0]


def write_demo_snapshot(
    out_dir: Path, seed: int = 2016, season: int = 2016, force: bool = False
) -> dict[str, Any]:
    """Generate the demo season and write it as a snapshot folder; return its manifest.
    Replaces a demo snapshot there; refuses anything else unless ``force`` (a snapshot of
    other games) as ``prepare_out`` says."""
    prepare_out(Path(out_dir), "demo", force, load=False)
    tables = generate_demo_season(seed, season)
    return write_snapshot(tables, Path(out_dir), f"synthetic demo season {season} (seed {seed})")
