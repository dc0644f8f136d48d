"""The demo season's players: starting lineups, each side's pitching line, and the PRIOR
season's platoon splits of its pitchers and batters (the lineups, team_games,
pitcher_splits and batter_splits tables).

What is modelled, and why:

* **Lineups.** Each club has eight regulars in the field and a designated hitter in a fixed
  batting order, a bench (a catcher, an infielder, an outfielder, a utility man) and, now
  and then, a call-up who takes a regular's place for the rest of the season. Four games
  in ten a regular rests (the catcher most often) and a bench player of his kind takes his
  spot. In National League parks there is no DH: the starting pitcher bats ninth.
* **Team pitching lines.** Runs allowed are the opponent's score; outs follow the innings
  (a home team that leads after the top of the ninth does not bat); strikeouts lean on
  the starter's quality; walks, hit batsmen and home runs come out of the runners the
  runs imply; pitches follow batters faced (~38, ~150 pitches).
* **Prior-season splits.** The season before the demo season, per player and platoon
  split, with rates that follow the generator's latent strengths: a starter's quality
  (his share of runs allowed) and his club's offense level, each with a year's change.
  Call-ups and most spot starters are rookies with no prior season, so features must
  handle players without a line.

Drawn from their own random stream, so the games, lines and betting splits of a seed are
the same with these tables as without them.

Over ~300 lines on purpose: the demo's player tables, generated together.
"""

import numpy as np
import polars as pl

AMERICAN_LEAGUE = frozenset(
    {"ANA", "BAL", "BOS", "CHA", "CLE", "DET", "HOU", "KCA", "MIN", "NYA", "OAK", "SEA", "TBA"}
    | {"TEX", "TOR"}
)
# Roster indices: 0-7 the regulars at positions 2-9, 8 the DH, 9-12 the bench, 13+ call-ups.
REGULAR_POSITIONS = np.array([2, 3, 4, 5, 6, 7, 8, 9, 10])
DH, CATCHER, INFIELDER, OUTFIELDER, UTILITY, FIRST_CALL_UP = 8, 9, 10, 11, 12, 13
# the bench player who takes the place of a resting regular, by position (index 2-9)
BENCH_FOR_POSITION = np.array([-1, -1, CATCHER, *[INFIELDER] * 4, *[OUTFIELDER] * 3])
REST_SHARE = 0.4
CATCHER_REST_WEIGHT = 3.0  # catchers rest three times as often as other regulars
STARTER_SHARE = 0.6  # as in the game generator: the starter's share of the pitching


def batter_id(team: np.ndarray, roster: np.ndarray) -> np.ndarray:
    """Retrosheet-shaped ids: club code, ``bt``, 101 + roster index (``anabt101``)."""
    return np.char.add(
        np.char.add(np.char.lower(team.astype(str)), "bt"), (101 + roster).astype(str)
    )


def _team_game_order(team: np.ndarray, first_pitch: np.ndarray) -> np.ndarray:
    """Each row's 0-based game number within its club's season."""
    order = np.lexsort((first_pitch, team))
    k = np.empty(len(team), dtype=np.int64)
    sorted_team = team[order]
    starts = np.r_[0, np.flatnonzero(sorted_team[1:] != sorted_team[:-1]) + 1]
    run = np.arange(len(team)) - np.repeat(starts, np.diff(np.r_[starts, len(team)]))
    k[order] = run
    return k


def _lineups(
    rng: np.random.Generator, sides: pl.DataFrame, codes: np.ndarray
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The lineups rows of every side-game, and the roster (team, roster index, id)."""
    n_teams = len(codes)
    team_index = {c: i for i, c in enumerate(codes)}
    t = sides["team"].replace_strict(team_index, return_dtype=pl.Int64).to_numpy()
    k = _team_game_order(t, sides["first_pitch_utc"].to_numpy())
    american = np.array([c in AMERICAN_LEAGUE for c in codes])
    # Batting order: slot -> roster index of the regular; a National League club's DH is
    # its utility man, used only in American League parks.
    order = np.array([rng.permutation(9) for _ in range(n_teams)])
    slot_position = REGULAR_POSITIONS[order]
    slot_player = np.where(order == DH, np.where(american, DH, UTILITY)[:, None], order)
    player = slot_player[t].copy()
    position = slot_position[t]
    # A call-up takes a fielder's place for the rest of the season.
    call_ups = np.full(n_teams, FIRST_CALL_UP)
    for club in range(n_teams):
        for _ in range(rng.poisson(1.2)):
            replaced, from_game = rng.integers(0, 8), rng.integers(20, 150)
            rows = (t == club) & (k >= from_game)
            player[rows] = np.where(player[rows] == replaced, call_ups[club], player[rows])
            call_ups[club] += 1
    # Rest days: one fielder sits, a bench player of his kind takes his slot.
    n = len(t)
    weights = np.where(np.arange(2, 10) == 2, CATCHER_REST_WEIGHT, 1.0)
    resting = rng.choice(np.arange(2, 10), n, p=weights / weights.sum())
    rests = rng.random(n) < REST_SHARE
    rest_slot = np.argmax(position == resting[:, None], axis=1)
    bench = BENCH_FOR_POSITION[resting]
    rows = np.flatnonzero(rests)
    player[rows, rest_slot[rows]] = bench[rows]
    # No DH in National League parks: the DH's slot goes, the starting pitcher bats ninth.
    no_dh = ~sides["dh_park"].to_numpy()
    moved = np.argsort(np.where(position == 10, 99, np.arange(9)), axis=1, kind="stable")
    moved = np.where(no_dh[:, None], moved, np.arange(9))
    player = np.take_along_axis(player, moved, axis=1)
    position = np.take_along_axis(position, moved, axis=1)
    ids = batter_id(np.repeat(codes[t], 9).reshape(n, 9), player)
    pitcher = sides["pitcher_id"].to_numpy().astype(str)
    ids[:, 8] = np.where(no_dh, pitcher, ids[:, 8])
    position[:, 8] = np.where(no_dh, 1, position[:, 8])
    lineups = pl.DataFrame(
        {
            "game_id": np.repeat(sides["game_id"].to_numpy(), 9),
            "side": np.repeat(sides["side"].to_numpy(), 9),
            "batting_order": np.tile(np.arange(1, 10), n),
            "player_id": ids.ravel(),
            "position": position.ravel(),
        }
    )
    batted = np.where(np.repeat(no_dh, 9).reshape(n, 9) & (np.arange(9) == 8), -1, player)
    roster = (
        pl.DataFrame({"team": np.repeat(codes[t], 9), "roster": batted.ravel(), "id": ids.ravel()})
        .filter(pl.col("roster") >= 0)
        .unique(maintain_order=True)
    )
    return lineups, roster


def _outs_pitched(rng: np.random.Generator, sides: pl.DataFrame) -> np.ndarray:
    """Outs a side's pitchers recorded: three an inning, but a home team that leads after
    the top of the ninth does not bat, and a walk-off ends with 0-2 outs."""
    innings = sides["innings"].to_numpy().astype(np.int64)
    home_won = sides["home_won"].to_numpy()
    pitching_away = sides["side"].to_numpy() == "away"
    walk_off = (innings > 9) | (rng.random(len(innings)) < 0.25)
    partial = 3 * (innings - 1) + np.where(walk_off, rng.integers(0, 3, len(innings)), 0)
    return np.where(pitching_away & home_won, partial, 3 * innings)


def _team_games(rng: np.random.Generator, sides: pl.DataFrame) -> pl.DataFrame:
    """One pitching line per side-game, consistent with the runs it allowed."""
    n = sides.height
    runs = sides["runs_allowed"].to_numpy().astype(np.int64)
    outs = _outs_pitched(rng, sides)
    quality = sides["pitcher_quality"].to_numpy()
    # runners who did not score: left on base or erased on the bases
    stranded = rng.poisson(7.2, n)
    runners = runs + stranded
    walks = rng.binomial(runners, 0.27)
    hit_by_pitch = rng.binomial(runners - walks, 0.03)
    strikeouts = rng.binomial(outs, np.clip(0.3 - STARTER_SHARE * 0.35 * quality, 0.1, 0.5))
    home_runs = rng.binomial(runs, 0.25)
    batters_faced = outs + runners
    pitches = np.round(3.75 * batters_faced + 0.9 * strikeouts + rng.normal(0, 7, n))
    return pl.DataFrame(
        {
            "game_id": sides["game_id"],
            "team": sides["team"],
            "side": sides["side"],
            "pitches": pitches,
            "batters_faced": batters_faced,
            "outs": outs,
            "strikeouts": strikeouts,
            "walks": walks,
            "hit_by_pitch": hit_by_pitch,
            "home_runs": home_runs,
            "runs_allowed": runs,
        }
    )


# batters do better against pitchers of the other hand (log-runs scale)
OPPOSITE_HAND_EDGE, SAME_HAND_EDGE = 0.04, -0.03


def _split_lines(
    rng: np.random.Generator, edge: np.ndarray, pa: np.ndarray
) -> dict[str, np.ndarray]:
    """What batters did in ``pa`` plate appearances per row, where ``edge`` is the batting
    side's edge on the log-runs scale (0 is the league)."""
    walks = rng.binomial(pa, np.clip(0.08 * np.exp(0.8 * edge), 0.01, 0.3))
    intentional = rng.binomial(walks, 0.08)
    hit_by_pitch = rng.binomial(pa - walks, 0.009)
    sacrifice_flies = rng.binomial(pa - walks - hit_by_pitch, 0.008)
    at_bats = pa - walks - hit_by_pitch - sacrifice_flies
    k_rate = np.clip(0.21 * np.exp(-1.0 * edge), 0.05, 0.5)
    strikeouts = rng.binomial(at_bats, k_rate)
    home_runs = rng.binomial(
        at_bats - strikeouts, np.clip(0.03 * np.exp(1.6 * edge) / (1 - k_rate), 0, 0.2)
    )
    in_play = at_bats - strikeouts - home_runs
    safe = rng.binomial(in_play, np.clip(0.298 + 0.1 * edge, 0.2, 0.4))
    doubles = rng.binomial(safe, 0.21)
    triples = rng.binomial(safe - doubles, 0.025)
    hits = safe + home_runs
    return {
        "plate_appearances": pa,
        "at_bats": at_bats,
        "hits": hits,
        "total_bases": hits + doubles + 2 * triples + 3 * home_runs,
        "home_runs": home_runs,
        "walks": walks,
        "intentional_walks": intentional,
        "strikeouts": strikeouts,
        "hit_by_pitch": hit_by_pitch,
        "sacrifice_flies": sacrifice_flies,
    }


def _split_rows(
    rng: np.random.Generator,
    base: dict[str, np.ndarray],
    strength: np.ndarray,
    plate_appearances: np.ndarray,
    first_share: np.ndarray,
    batter_hand: np.ndarray,
    pitcher_hand: np.ndarray,
    has_prior: np.ndarray,
) -> pl.DataFrame:
    """Two rows per player (``batter_hand``/``pitcher_hand`` of shape (2, n): the first
    split, then the second), his plate appearances shared between them."""
    first = rng.binomial(plate_appearances, first_share)
    pa = np.concatenate([first, plate_appearances - first])
    batter, pitcher = batter_hand.ravel(), pitcher_hand.ravel()
    edge = np.tile(strength, 2) + np.where(batter != pitcher, OPPOSITE_HAND_EDGE, SAME_HAND_EDGE)
    return pl.DataFrame(
        {
            **{name: np.tile(values, 2) for name, values in base.items()},
            "batter_hand": batter,
            "pitcher_hand": pitcher,
            **_split_lines(rng, edge, pa),
        }
    ).filter(pl.Series(np.tile(has_prior, 2)) & (pl.col("plate_appearances") > 0))


def _pitcher_splits(rng: np.random.Generator, pitchers: pl.DataFrame, season: int) -> pl.DataFrame:
    """Prior-season splits of the starters who had one: rotation regulars mostly did,
    spot starters and replacements mostly are rookies."""
    regular = pitchers["rotation"].to_numpy()
    n = pitchers.height
    has_prior = rng.random(n) < np.where(regular, 0.92, 0.4)
    faced = np.round(
        np.where(regular, np.clip(rng.normal(720, 120, n), 350, 900), rng.uniform(40, 500, n))
    ).astype(np.int64)
    # a year's change in quality; quality is runs allowed, so it is the batters' edge
    prior_quality = pitchers["quality"].to_numpy() + rng.normal(0, 0.06, n)
    hand = np.where(rng.random(n) < 0.28, "L", "R")
    # left-handers face more right-handed batters (managers stack platoons against them)
    right_share = np.where(hand == "L", 0.72, 0.55)
    return _split_rows(
        rng,
        {"season": np.full(n, season - 1), "pitcher_id": pitchers["pitcher_id"].to_numpy()},
        prior_quality,
        faced,
        right_share,
        np.array([np.full(n, "R"), np.full(n, "L")]),
        np.array([hand, hand]),
        has_prior,
    )


def _batter_splits(
    rng: np.random.Generator, roster: pl.DataFrame, offense: dict[str, float], season: int
) -> pl.DataFrame:
    """Prior-season splits of the batters who had one: call-ups are rookies."""
    n = roster.height
    index = roster["roster"].to_numpy()
    regular, call_up = index <= DH, index >= FIRST_CALL_UP
    has_prior = ~call_up & (rng.random(n) < np.where(regular, 0.9, 0.75))
    level = roster["team"].replace_strict(offense, return_dtype=pl.Float64).to_numpy()
    strength = level + np.where(regular, 0.03, -0.12) + rng.normal(0, 0.08, n)
    pa = np.round(
        np.where(regular, np.clip(rng.normal(560, 90, n), 250, 720), rng.uniform(30, 400, n))
    ).astype(np.int64)
    stands = rng.choice(np.array(["L", "R", "B"]), n, p=[0.32, 0.56, 0.12])
    # a switch hitter bats left against right-handers and right against left-handers
    against_right = np.where(stands == "B", "L", stands)
    against_left = np.where(stands == "B", "R", stands)
    return _split_rows(
        rng,
        {"season": np.full(n, season - 1), "batter_id": roster["id"].to_numpy()},
        strength,
        pa,
        np.full(n, 0.72),  # most plate appearances come against right-handers
        np.array([against_right, against_left]),
        np.array([np.full(n, "R"), np.full(n, "L")]),
        has_prior,
    )


def generate_players(
    rng: np.random.Generator,
    games: pl.DataFrame,
    pitcher_quality: pl.DataFrame,
    offense: dict[str, float],
    codes: np.ndarray,
    american_parks: frozenset[str] = AMERICAN_LEAGUE,
) -> dict[str, pl.DataFrame]:
    """The four player tables of a season of ``games`` (with ``innings`` and scores), from
    the starters' ``pitcher_quality`` (pitcher_id, quality, rotation) and each club's
    ``offense`` level (log runs, relative to the league)."""
    season = int(games["season"][0])
    quality = dict(zip(pitcher_quality["pitcher_id"], pitcher_quality["quality"], strict=True))
    common = games.select(
        "game_id",
        "first_pitch_utc",
        "innings",
        home_won=pl.col("home_score") > pl.col("away_score"),
        dh_park=pl.col("home_team").is_in(list(american_parks)),
    )
    sides = pl.concat(
        [
            common.with_columns(
                side=pl.lit(side),
                team=games[f"{side}_team"],
                pitcher_id=games[f"{side}_starting_pitcher_id"],
                runs_allowed=games[f"{other}_score"],
            )
            for side, other in (("home", "away"), ("away", "home"))
        ]
    ).with_columns(
        pitcher_quality=pl.col("pitcher_id").replace_strict(quality, return_dtype=pl.Float64)
    )
    lineups, roster = _lineups(rng, sides, codes)
    return {
        "lineups": lineups,
        "team_games": _team_games(rng, sides),
        "pitcher_splits": _pitcher_splits(rng, pitcher_quality.sort("pitcher_id"), season),
        "batter_splits": _batter_splits(rng, roster.sort("id"), offense, season),
    }
