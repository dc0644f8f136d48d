"""The demo season is reproducible, in the snapshot schema, and shaped like a real MLB season."""

from datetime import timedelta

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import log_loss

from mlbcore.data.demo import generate_demo_season, generate_demo_season_with_truth
from mlbcore.data.schema import SORT_KEYS, TABLES

SEED = 2016
CUTOFF = timedelta(minutes=60)
PRICE_COLUMNS = [
    "moneyline_home",
    "moneyline_away",
    "over_price",
    "under_price",
    "run_line_home_price",
    "run_line_away_price",
]


def implied(column: str) -> pl.Expr:
    """Vig-inclusive probability of American odds."""
    odds = pl.col(column).cast(pl.Float64)
    return pl.when(odds < 0).then(-odds / (100 - odds)).otherwise(100 / (100 + odds))


@pytest.fixture(scope="module")
def generated() -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    return generate_demo_season_with_truth(SEED)


@pytest.fixture(scope="module")
def season(generated) -> dict[str, pl.DataFrame]:
    return generated[0]


@pytest.fixture(scope="module")
def games(season) -> pl.DataFrame:
    return season["games"]


@pytest.fixture(scope="module")
def lines(season) -> pl.DataFrame:
    return season["odds_lines"].join(
        season["games"].select("game_id", "first_pitch_utc"), on="game_id"
    )


@pytest.fixture(scope="module")
def closing(season, generated) -> pl.DataFrame:
    """Per game: the last line posted by the cutoff, the outcome and the true probability."""
    games = season["games"].select(
        "game_id", "first_pitch_utc", home_won=pl.col("home_score") > pl.col("away_score")
    )
    return (
        season["odds_lines"]
        .join(games, on="game_id")
        .filter(pl.col("entered_at_utc") <= pl.col("first_pitch_utc") - CUTOFF)
        .group_by("game_id")
        .agg(pl.all().sort_by("entered_at_utc").last())
        .with_columns(q_home=implied("moneyline_home"), q_away=implied("moneyline_away"))
        .with_columns(market_p=pl.col("q_home") / (pl.col("q_home") + pl.col("q_away")))
        .join(generated[1], on="game_id")
        .sort("game_id")
    )


def test_same_seed_gives_identical_frames(season):
    again = generate_demo_season(SEED)
    assert again.keys() == season.keys() == TABLES.keys()
    for name, frame in season.items():
        assert again[name].equals(frame), name


def test_another_seed_gives_another_season(season):
    other = generate_demo_season(SEED + 1)
    for name, frame in season.items():
        assert not other[name].equals(frame), name


def test_frames_have_the_snapshot_schema_and_sort_order(season):
    for name, schema in TABLES.items():
        frame = season[name]
        assert frame.schema == schema, name
        assert frame.equals(frame.sort(SORT_KEYS[name])), name
        # only end times are ever missing (see the next test)
        nullable = ["game_end_utc"] if name == "games" else []
        assert frame.drop(nullable).null_count().sum_horizontal().item() == 0, name


def test_about_one_game_in_ten_has_no_end_time_and_known_ends_respect_the_next_morning(games):
    unknown = games["game_end_utc"].is_null()
    assert 0.07 <= unknown.mean() <= 0.13
    # spread over the season, not a block of dates
    assert games.filter(unknown)["date"].dt.month().n_unique() >= 6
    # the rule for games without an end (known at 10:00 UTC the next day) holds for every
    # game whose end is known: none ends later
    next_morning = (
        pl.col("date").cast(pl.Datetime("us")) + timedelta(hours=34)
    ).dt.replace_time_zone("UTC")
    known = games.filter(~unknown)
    assert (known["game_end_utc"] > known["first_pitch_utc"]).all()
    assert known.select((pl.col("game_end_utc") < next_morning).all()).item()


def test_game_ids_are_unique_retrosheet_ids(games):
    assert games["game_id"].is_unique().all()
    expected = pl.concat_str(
        "home_team", pl.col("date").dt.strftime("%Y%m%d"), pl.col("doubleheader").cast(pl.String)
    )
    assert (games["game_id"] == games.select(expected).to_series()).all()


def test_a_full_season_of_games(games):
    assert 2380 <= games.height <= 2470
    appearances = pl.concat([games["home_team"], games["away_team"]]).value_counts()
    assert appearances.height == 30
    assert appearances["count"].is_between(158, 162).all()
    assert games["home_team"].value_counts()["count"].is_between(75, 87).all()
    assert games["date"].min().month == 4 and games["date"].max().month in (9, 10)
    assert 0.25 <= (games["day_night"] == "D").mean() <= 0.35


def test_scores_look_like_mlb(games):
    home, away = games["home_score"].cast(pl.Int32), games["away_score"].cast(pl.Int32)
    assert 0.52 <= (home > away).mean() <= 0.56
    assert (home != away).all()
    assert 4.3 <= pl.concat([home, away]).mean() <= 4.7
    assert 4.2 <= (home + away).std() <= 4.7
    extra = games["innings"] > 9
    assert 0.05 <= extra.mean() <= 0.13
    assert (games.filter(~extra)["innings"] == 9).all()


def test_starters_take_turns_in_a_rotation(games):
    starts = pl.concat(
        [
            games.select("first_pitch_utc", team="home_team", pitcher="home_starting_pitcher_id"),
            games.select("first_pitch_utc", team="away_team", pitcher="away_starting_pitcher_id"),
        ]
    ).sort("team", "first_pitch_utc")
    per_team = starts.group_by("team").agg(pl.col("pitcher").n_unique())["pitcher"]
    assert per_team.is_between(5, 12).all()
    # a pitcher belongs to one club all season
    assert starts.group_by("pitcher").agg(pl.col("team").n_unique())["team"].max() == 1
    back_to_back = starts.select(
        (pl.col("pitcher") == pl.col("pitcher").shift(1).over("team")).sum()
    ).item()
    assert back_to_back == 0


def test_every_game_has_a_book_of_lines_before_first_pitch(games, lines):
    per_game = lines.group_by("game_id").len()
    assert per_game.height == games.height
    assert per_game["len"].is_between(20, 300).all()
    assert 60 <= per_game["len"].median() <= 120
    assert 200_000 <= lines.height <= 260_000
    assert (lines["entered_at_utc"] < lines["first_pitch_utc"]).all()
    early = lines.filter(pl.col("entered_at_utc") <= pl.col("first_pitch_utc") - CUTOFF)
    assert early["game_id"].n_unique() == games.height
    late_share = 1 - early.height / lines.height
    assert 0.01 <= late_share <= 0.10


def test_prices_are_american_odds_with_a_2_to_5_percent_overround(lines):
    for column in PRICE_COLUMNS:
        assert not lines[column].is_between(-99, 99).any(), column
    for a, b in [
        ("moneyline_home", "moneyline_away"),
        ("over_price", "under_price"),
        ("run_line_home_price", "run_line_away_price"),
    ]:
        overround = lines.select(implied(a) + implied(b) - 1).to_series()
        assert overround.is_between(0.02, 0.05).all(), a
    assert (lines["total"] * 2 % 1 == 0).all()
    assert lines["total"].is_between(4, 14).all()
    assert lines["run_line_home"].is_in([-1.5, 1.5]).all()
    home_favoured = lines.select(implied("moneyline_home") >= implied("moneyline_away")).to_series()
    assert ((lines["run_line_home"] == -1.5) == home_favoured).mean() > 0.99


def test_both_kinds_of_doubleheader(games):
    openers = games.filter(pl.col("doubleheader") == 1).select(
        "home_team", "date", opener_end="game_end_utc"
    )
    pairs = games.filter(pl.col("doubleheader") == 2).join(openers, on=["home_team", "date"])
    assert pairs.height == games.filter(pl.col("doubleheader") == 1).height
    assert 0.005 <= 2 * pairs.height / games.height <= 0.03
    timed = pairs.filter(pl.col("opener_end").is_not_null())  # openers whose end is known
    ended_by_cutoff = timed["opener_end"] < timed["first_pitch_utc"] - CUTOFF
    assert ended_by_cutoff.any(), "no day-night doubleheader"
    assert (~ended_by_cutoff).any(), "no traditional doubleheader"
    assert (timed["opener_end"] < timed["first_pitch_utc"]).all()


def test_splits_add_up_and_lean_like_the_public(season, closing):
    splits = season["betting_splits"].join(
        season["games"].select("game_id", "first_pitch_utc"), on="game_id"
    )
    assert (splits["captured_at_utc"] < splits["first_pitch_utc"]).all()
    assert (splits["captured_at_utc"] > splits["first_pitch_utc"] - CUTOFF).any()
    assert splits.select(pl.col("ticket_pct", "money_pct").is_between(0, 100).all()).row(0) == (
        True,
        True,
    )
    sums = splits.group_by("game_id", "market", "captured_at_utc").agg(
        pl.len(), pl.col("ticket_pct").sum(), pl.col("money_pct").sum()
    )
    assert (sums["len"] == 2).all()
    assert np.allclose(sums["ticket_pct"].to_numpy(), 100, atol=1e-9)
    assert np.allclose(sums["money_pct"].to_numpy(), 100, atol=1e-9)
    mean_ticket = splits.group_by("side").agg(pl.col("ticket_pct").mean())
    lean = dict(zip(mean_ticket["side"], mean_ticket["ticket_pct"], strict=True))
    assert lean["home"] > 50 and lean["over"] > 52

    home = splits.filter(pl.col("side") == "home").join(closing, on="game_id")
    favourite_tickets = home.select(
        pl.when(pl.col("market_p") > 0.5).then("ticket_pct").otherwise(100 - pl.col("ticket_pct"))
    )
    assert favourite_tickets.to_series().mean() > 52
    # sharp money: money beyond tickets points to the side the truth prefers to the price
    sharp = (home["money_pct"] - home["ticket_pct"]).to_numpy()
    edge = (home["true_home_win_prob"] - home["market_p"]).to_numpy()
    assert np.corrcoef(sharp, edge)[0, 1] > 0.1


def test_market_is_informative_and_the_truth_sharper(games, closing):
    assert closing.height == games.height
    won = closing["home_won"].to_numpy()
    market = log_loss(won, closing["market_p"].to_numpy())
    constant = log_loss(won, np.full(len(won), 0.54))
    truth = log_loss(won, closing["true_home_win_prob"].to_numpy())
    assert truth < market < constant


def _lineup_teams(season) -> pl.DataFrame:
    return (
        season["lineups"]
        .join(
            season["games"].select("game_id", "home_team", "away_team", "first_pitch_utc"),
            on="game_id",
        )
        .with_columns(
            team=pl.when(pl.col("side") == "home").then("home_team").otherwise("away_team")
        )
    )


def test_lineups_are_nine_per_side_of_regulars_with_rest_days(season, games):
    lineups = _lineup_teams(season)
    per_side = lineups.group_by("game_id", "side").agg(
        pl.len(), pl.col("player_id").n_unique(), pl.col("position").n_unique()
    )
    assert per_side.height == 2 * games.height
    assert (per_side["len"] == 9).all() and (per_side["player_id"] == 9).all()
    assert (per_side["position"] == 9).all()
    assert (
        lineups.group_by("game_id", "side")
        .agg(pl.col("batting_order").sort())["batting_order"]
        .to_list()
        == [list(range(1, 10))] * per_side.height
    )
    # In National League parks the starting pitcher bats; elsewhere a designated hitter.
    pitchers = lineups.filter(pl.col("position") == 1).join(
        games.select("game_id", "home_starting_pitcher_id", "away_starting_pitcher_id"),
        on="game_id",
    )
    starter = pl.when(pl.col("side") == "home").then("home_starting_pitcher_id")
    assert (
        pitchers["player_id"]
        == pitchers.select(starter.otherwise("away_starting_pitcher_id")).to_series()
    ).all()
    has_dh = lineups.group_by("game_id").agg((pl.col("position") == 10).sum())
    assert set(has_dh["position"].to_list()) == {0, 2}  # by park: both sides or neither
    assert 0.4 <= (has_dh["position"] == 2).mean() <= 0.6
    # Stable regulars: a club's nine most used players fill most of its lineup spots,
    # but rest days and call-ups bring in others.
    used = lineups.filter(pl.col("position") != 1).group_by("team", "player_id").len()
    top_nine = used.group_by("team").agg(
        pl.col("len").sort(descending=True).head(9).sum() / pl.col("len").sum(),
        players=pl.len(),
    )
    assert top_nine["len"].is_between(0.75, 0.97).all()
    assert top_nine["players"].is_between(12, 26).all()  # nine regulars, four on the bench
    assert (top_nine["players"] > 12).any()  # ... and call-ups
    # a batter plays for one club
    assert used.group_by("player_id").agg(pl.col("team").n_unique())["team"].max() == 1


def test_team_pitching_lines_agree_with_the_scores(season, games):
    lines = season["team_games"].join(
        games.select("game_id", "home_team", "away_team", "home_score", "away_score", "innings"),
        on="game_id",
    )
    assert lines.height == 2 * games.height
    home = pl.col("side") == "home"
    assert (
        lines["team"]
        == lines.select(pl.when(home).then("home_team").otherwise("away_team")).to_series()
    ).all()
    allowed = pl.when(home).then("away_score").otherwise("home_score")
    assert (lines["runs_allowed"] == lines.select(allowed.cast(pl.Int32)).to_series()).all()
    assert (lines["home_runs"] <= lines["runs_allowed"]).all()
    assert (lines["strikeouts"] <= lines["outs"]).all()
    outs_per_inning = lines["outs"] / lines["innings"].cast(pl.Int32)
    assert outs_per_inning.is_between(2.6, 3.0).all()
    faced = lines["batters_faced"]
    # every run and every walk or hit batsman is a batter who did not make an out
    assert (faced >= lines["outs"] + lines["runs_allowed"]).all()
    assert (faced >= lines["outs"] + lines["walks"] + lines["hit_by_pitch"]).all()
    assert 36 <= faced.mean() <= 41 and 140 <= lines["pitches"].mean() <= 170
    assert 7 <= lines["strikeouts"].mean() <= 9 and 2.7 <= lines["walks"].mean() <= 3.6
    assert 0.9 <= lines["home_runs"].mean() <= 1.4
    # more runs come with more walks and home runs, as they must
    assert np.corrcoef(lines["runs_allowed"], lines["walks"] + lines["home_runs"])[0, 1] > 0.3


def test_prior_season_splits_follow_the_latent_strengths_and_rookies_have_none(season, games):
    pitchers, batters = season["pitcher_splits"], season["batter_splits"]
    assert (pitchers["season"] == games["season"][0] - 1).all()
    assert (batters["season"] == games["season"][0] - 1).all()
    for frame in (pitchers, batters):
        assert set(frame["batter_hand"]) == set(frame["pitcher_hand"]) == {"L", "R"}
        assert (frame["at_bats"] + frame["walks"] <= frame["plate_appearances"]).all()
        assert (frame["hits"] <= frame["at_bats"]).all()
        assert (frame["total_bases"] >= frame["hits"] + 3 * frame["home_runs"]).all()
        assert (frame["intentional_walks"] <= frame["walks"]).all()
    starters = pl.concat(
        [
            games.select(pitcher_id="home_starting_pitcher_id", runs="away_score"),
            games.select(pitcher_id="away_starting_pitcher_id", runs="home_score"),
        ]
    )
    # Some starters and some lineup regulars are rookies: no prior season.
    with_prior = starters["pitcher_id"].unique().is_in(pitchers["pitcher_id"].implode())
    assert 0.1 <= 1 - with_prior.mean() <= 0.4
    lineup_batters = season["lineups"].filter(pl.col("position") != 1)["player_id"].unique()
    batter_prior = lineup_batters.is_in(batters["batter_id"].implode())
    assert 0.1 <= 1 - batter_prior.mean() <= 0.4
    # A pitcher's prior line against predicts the runs scored in his starts this season.
    on_base = (pl.col("total_bases") + pl.col("walks") + pl.col("hit_by_pitch")).sum()
    prior = pitchers.group_by("pitcher_id").agg(against=on_base / pl.col("plate_appearances").sum())
    starts = starters.group_by("pitcher_id").agg(pl.col("runs").cast(pl.Float64).mean(), pl.len())
    paired = starts.filter(pl.col("len") >= 10).join(prior, on="pitcher_id")
    assert paired.height > 100
    assert np.corrcoef(paired["runs"], paired["against"])[0, 1] > 0.25
    # A club's batters' prior lines predict the runs it scores.
    batting = batters.group_by("batter_id").agg(rate=on_base / pl.col("plate_appearances").sum())
    clubs = (
        _lineup_teams(season)
        .join(batting, left_on="player_id", right_on="batter_id")
        .group_by("team")
        .agg(pl.col("rate").mean())
    )
    scored = (
        pl.concat(
            [
                games.select(team="home_team", runs="home_score"),
                games.select(team="away_team", runs="away_score"),
            ]
        )
        .group_by("team")
        .agg(pl.col("runs").cast(pl.Float64).mean())
    )
    club_runs = clubs.join(scored, on="team")
    assert np.corrcoef(club_runs["rate"], club_runs["runs"])[0, 1] > 0.5


def test_the_player_tables_leave_the_other_tables_as_they_were(season):
    """They draw from a stream of their own: a season's games, lines and betting splits
    are the same numbers they were before the player tables existed (the committed demo
    snapshot's games file predates them and still has its data)."""
    from mlbcore.data.snapshot import content_hash
    from mlbcore.settings import DEMO_SNAPSHOT

    committed = {
        name: pl.read_parquet(DEMO_SNAPSHOT / f"{name}.parquet")
        for name in ("games", "odds_lines", "betting_splits")
    }
    for name, frame in committed.items():
        assert content_hash({name: frame}) == content_hash({name: season[name]}), name
