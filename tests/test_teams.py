"""The team registry: its invariants, resolution rules, and every team spelling in the real
data files (Retrosheet 2010-2016, Pinnacle 2016, SBR 2014-2016) under ../shared/data."""

import importlib.util
import os
import zoneinfo
from pathlib import Path

import polars as pl
import pytest

from mlbcore.data.teams import (
    PARK_TIME_ZONES,
    TEAM_ALIASES,
    TEAM_CODES,
    TEAM_TIME_ZONES,
    park_time_zone,
    resolve_teams,
    unknown_teams,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
RETRO_SEASONS = range(2010, 2017)
SBR_SEASONS = (2014, 2015, 2016)


def _require_data() -> Path:
    if DATA.is_dir():
        return DATA
    message = f"real data folder ../shared/data not found (looked for {DATA})"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must have it")
    pytest.skip(message)


@pytest.fixture(scope="module")
def retrosheet() -> pl.DataFrame:
    """Visiting team, home team and park of every game in GL2010-GL2016, with its season."""
    data = _require_data()
    frames = []
    for season in RETRO_SEASONS:
        frame = pl.read_csv(
            data / "retrosheet" / f"GL{season}.TXT",
            has_header=False,
            columns=[0, 3, 6, 16],  # glfields.txt fields 1, 4, 7, 17
            infer_schema=False,
        )
        frame.columns = ["date", "visitor", "home", "park"]
        frames.append(frame.with_columns(season=pl.lit(season, pl.Int32)))
    return pl.concat(frames)


def _one(value: str | None, season: int, scheme: str | None = None) -> str | None:
    frame = pl.DataFrame(
        {"team": [value], "season": [season]}, schema_overrides={"team": pl.String}
    )
    return resolve_teams(frame, ["team"], "season", scheme)["team"][0]


# --- the registry itself -------------------------------------------------------------------


def test_codes_are_the_30_sorted_franchises() -> None:
    assert len(TEAM_CODES) == 30
    assert list(TEAM_CODES) == sorted(set(TEAM_CODES))
    assert set(TEAM_TIME_ZONES) == set(TEAM_CODES)


def test_alias_table_shape_and_invariants() -> None:
    assert TEAM_ALIASES.schema == pl.Schema(
        {
            "alias": pl.String,
            "scheme": pl.String,
            "first_season": pl.Int32,
            "last_season": pl.Int32,
            "team": pl.String,
        }
    )
    assert set(TEAM_ALIASES["scheme"]) == {"retrosheet", "name", "sbr"}
    assert set(TEAM_ALIASES["team"]) == set(TEAM_CODES)
    assert TEAM_ALIASES.select("alias", "scheme").is_unique().all()
    normalised = TEAM_ALIASES["alias"].str.strip_chars().str.to_uppercase()
    assert (TEAM_ALIASES["alias"] == normalised).all()
    assert TEAM_ALIASES["first_season"].null_count() == 0
    ranges = TEAM_ALIASES.filter(pl.col("last_season").is_not_null())
    assert (ranges["first_season"] <= ranges["last_season"]).all()


def test_no_alias_string_means_two_teams() -> None:
    """The design rule that lets resolve_teams run without a scheme: a string shared by
    several schemes (WAS, ARI, MIA, OAK, ATH, ...) means the same team in all of them."""
    per_alias = TEAM_ALIASES.group_by("alias").agg(pl.col("team").n_unique())
    assert per_alias.filter(pl.col("team") > 1).is_empty()
    shared = TEAM_ALIASES.group_by("alias").agg(pl.col("scheme").n_unique())
    assert shared.filter(pl.col("scheme") > 1).height >= 20  # the rule is exercised


def test_each_canonical_code_is_its_own_retrosheet_alias_in_2016() -> None:
    frame = pl.DataFrame({"team": list(TEAM_CODES), "season": 2016})
    resolved = resolve_teams(frame, ["team"], "season", scheme="retrosheet")
    assert resolved["team"].to_list() == list(TEAM_CODES)


# --- resolution rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "season", "scheme", "expected"),
    [
        ("FLO", 2011, "retrosheet", "MIA"),
        ("FLO", 2012, "retrosheet", None),
        ("FLO", 2012, None, None),
        ("MIA", 2011, "retrosheet", None),
        ("ATH", 2025, "retrosheet", "OAK"),
        ("ATH", 2024, "retrosheet", None),
        ("OAK", 2025, "retrosheet", None),
        ("OAK", 2024, "retrosheet", "OAK"),
        ("FLA", 2011, "sbr", "MIA"),
        ("FLA", 2012, "sbr", None),
        ("TAM", 2016, "sbr", "TBA"),
        ("TAM", 2016, "retrosheet", None),
        ("TAM", 2016, None, "TBA"),
        ("LOS", 2016, "sbr", "LAN"),
        ("CUB", 2015, None, "CHN"),
        ("CWS", 2015, None, "CHA"),
        ("WAS", 2016, None, "WAS"),
        ("Cleveland Indians", 2021, "name", "CLE"),
        ("Cleveland Indians", 2022, "name", None),
        ("Cleveland Guardians", 2022, "name", "CLE"),
        ("Cleveland Guardians", 2021, "name", None),
        ("Florida Marlins", 2011, "name", "MIA"),
        ("Miami Marlins", 2011, "name", None),
        ("Sacramento Athletics", 2025, "name", "OAK"),
        ("Athletics", 2025, "name", "OAK"),
        ("Oakland Athletics", 2025, "name", None),
        ("Los Angeles Angels of Anaheim", 2016, "name", "ANA"),
        ("  los angeles   angels OF anaheim \t", 2016, None, "ANA"),
        (" nyn ", 2013, None, "NYN"),
        ("Tampa Bay Rays", 2016, "sbr", None),
        ("NYN", 2009, None, None),  # before the registry's coverage
        ("CHI", 2016, None, None),  # ambiguous on purpose: no alias
        (None, 2016, None, None),
    ],
)
def test_resolve_one(value: str | None, season: int, scheme: str | None, expected: str | None):
    assert _one(value, season, scheme) == expected


def test_resolve_keeps_rows_order_and_other_columns() -> None:
    frame = pl.DataFrame(
        {
            "id": [1, 2, 3, 4, 5],
            "home": ["WAS", "Chicago Cubs", "bogus", "SFO", "WAS"],
            "away": ["NYM", "STL", "KAN", None, "ATL"],
            "season": ["2016", "2016", "2014", "2015", "2011"],  # strings cast to Int32
            "alias": ["kept"] * 5,  # same name as a TEAM_ALIASES column
        }
    )
    out = resolve_teams(frame, ["home", "away"], "season")
    assert out.columns == frame.columns
    assert out["id"].to_list() == [1, 2, 3, 4, 5]
    assert out["alias"].to_list() == ["kept"] * 5
    assert out["season"].to_list() == frame["season"].to_list()
    assert out["home"].to_list() == ["WAS", "CHN", None, "SFN", "WAS"]
    assert out["away"].to_list() == ["NYN", "SLN", "KCA", None, "ATL"]


def test_resolve_rejects_bad_arguments() -> None:
    frame = pl.DataFrame({"team": ["WAS"], "season": [2016]})
    with pytest.raises(ValueError, match="scheme"):
        resolve_teams(frame, ["team"], "season", scheme="espn")
    with pytest.raises(ValueError, match="not in frame"):
        resolve_teams(frame, ["home"], "season")


def test_unknown_teams_lists_bogus_values_once_per_season() -> None:
    frame = pl.DataFrame(
        {
            "team": [
                "New York Mets",
                "Springfield Isotopes",
                "springfield isotopes",
                "FLO",
                "Springfield Isotopes",
                None,
            ],
            "season": [2016, 2016, 2016, 2012, 2016, 2016],
        }
    )
    unknown = unknown_teams(frame, "team", "season")
    assert unknown.columns == ["team", "season"]
    assert unknown.rows() == [
        ("FLO", 2012),
        ("Springfield Isotopes", 2016),
        ("springfield isotopes", 2016),
    ]
    assert unknown_teams(frame.head(1), "team", "season").is_empty()
    only_sbr = unknown_teams(frame.head(1), "team", "season", scheme="sbr")
    assert only_sbr.rows() == [("New York Mets", 2016)]


# --- time zones ----------------------------------------------------------------------------


def test_all_zones_are_valid_iana_names() -> None:
    zones = set(PARK_TIME_ZONES.values()) | set(TEAM_TIME_ZONES.values())
    for zone in zones:
        zoneinfo.ZoneInfo(zone)  # raises if unknown
    assert TEAM_TIME_ZONES["ARI"] == "America/Phoenix"
    assert TEAM_TIME_ZONES["TOR"] == "America/Toronto"
    for park in ("ATL03", "ARL03", "LON01", "SAC01"):
        assert park in PARK_TIME_ZONES


def test_park_time_zone_prefers_the_park() -> None:
    assert park_time_zone("TOK01", "OAK") == "Asia/Tokyo"
    assert park_time_zone(" syd01 ", "ARI") == "Australia/Sydney"
    assert park_time_zone("SJU01", "MIA") == "America/Puerto_Rico"
    assert park_time_zone(None, "ARI") == "America/Phoenix"
    assert park_time_zone("XYZ99", "TOR") == "America/Toronto"
    with pytest.raises(KeyError, match="canonical"):
        park_time_zone("XYZ99", "TOK")


# --- the real data -------------------------------------------------------------------------


def test_retrosheet_codes_resolve_to_30_teams_each_season(retrosheet: pl.DataFrame) -> None:
    assert retrosheet["season"].unique().sort().to_list() == list(RETRO_SEASONS)
    for column in ("visitor", "home"):
        assert unknown_teams(retrosheet, column, "season", scheme="retrosheet").is_empty()
    resolved = resolve_teams(retrosheet, ["visitor", "home"], "season", scheme="retrosheet")
    assert resolved["visitor"].null_count() == 0
    assert resolved["home"].null_count() == 0
    per_season = (
        resolved.unpivot(["visitor", "home"], index="season")
        .group_by("season")
        .agg(pl.col("value").n_unique().alias("teams"), pl.col("value").is_in(TEAM_CODES).all())
        .sort("season")
    )
    assert per_season["teams"].to_list() == [30] * len(RETRO_SEASONS)
    assert per_season["value"].all()
    # The Marlins' code changed in 2012; both resolve to MIA.
    marlins = retrosheet.filter(pl.col("home").is_in(["FLO", "MIA"]))
    assert marlins.group_by("home").agg(pl.col("season").max())["season"].sort().to_list() == [
        2011,
        2016,
    ]
    assert set(resolved.filter(pl.col("season") <= 2011)["home"]) == set(TEAM_CODES)


def test_every_retrosheet_park_has_a_time_zone(retrosheet: pl.DataFrame) -> None:
    parks = set(retrosheet["park"])
    assert parks - set(PARK_TIME_ZONES) == set()
    assert {"SJU01", "SYD01", "TOK01", "FTB01"} <= parks  # neutral sites are in the logs
    games = resolve_teams(retrosheet, ["home"], "season", scheme="retrosheet")
    for park, home in games.select("park", "home").unique().iter_rows():
        zoneinfo.ZoneInfo(park_time_zone(park, home))


def test_pinnacle_names_resolve() -> None:
    games = pl.read_csv(
        _require_data() / "pinnacle" / "mlb2016_games.csv",
        columns=["retro_game_id", "first_pitch_utc", "away_team", "home_team"],
    ).with_columns(season=pl.col("first_pitch_utc").str.slice(0, 4).cast(pl.Int32))
    assert games["season"].unique().to_list() == [2016]
    # The file includes the All-Star Game (NL201607130): "American League" at "National
    # League", which is no team and must stay unresolved.
    assert unknown_teams(games, "away_team", "season", scheme="name").rows() == [
        ("American League", 2016)
    ]
    assert unknown_teams(games, "home_team", "season", scheme="name").rows() == [
        ("National League", 2016)
    ]
    all_star = pl.col("home_team") == "National League"
    assert games.filter(all_star)["retro_game_id"].to_list() == ["NL201607130"]
    resolved = resolve_teams(games.filter(~all_star), ["away_team", "home_team"], "season")
    for column in ("away_team", "home_team"):
        assert resolved[column].is_in(TEAM_CODES).all()
    assert (
        resolved.select(pl.concat_list("away_team", "home_team").explode().n_unique()).item() == 30
    )


def test_sbr_codes_resolve() -> None:
    data = _require_data()
    if importlib.util.find_spec("fastexcel") is None:
        pytest.skip("fastexcel is not installed (needed to read the SBR .xlsx workbooks)")
    frames = [
        pl.read_excel(data / "sbr" / f"mlb odds {season}.xlsx", columns=["Team"]).with_columns(
            season=pl.lit(season, pl.Int32)
        )
        for season in SBR_SEASONS
    ]
    sbr = pl.concat(frames)
    assert unknown_teams(sbr, "Team", "season", scheme="sbr").is_empty()
    resolved = resolve_teams(sbr, ["Team"], "season", scheme="sbr")
    assert resolved["Team"].is_in(TEAM_CODES).all()
    per_season = resolved.group_by("season").agg(pl.col("Team").n_unique())
    assert per_season["Team"].to_list() == [30] * len(SBR_SEASONS)
