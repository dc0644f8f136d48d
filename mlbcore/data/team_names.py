"""The names people call teams by, from the canonical codes (``teams.TEAM_CODES``), for
what the app and the CLI show: "Boston Red Sox", not ``BOS``."""

import polars as pl

TEAM_NAMES: dict[str, str] = {
    "ANA": "Los Angeles Angels",
    "ARI": "Arizona Diamondbacks",
    "ATL": "Atlanta Braves",
    "BAL": "Baltimore Orioles",
    "BOS": "Boston Red Sox",
    "CHA": "Chicago White Sox",
    "CHN": "Chicago Cubs",
    "CIN": "Cincinnati Reds",
    "CLE": "Cleveland Guardians",
    "COL": "Colorado Rockies",
    "DET": "Detroit Tigers",
    "HOU": "Houston Astros",
    "KCA": "Kansas City Royals",
    "LAN": "Los Angeles Dodgers",
    "MIA": "Miami Marlins",
    "MIL": "Milwaukee Brewers",
    "MIN": "Minnesota Twins",
    "NYA": "New York Yankees",
    "NYN": "New York Mets",
    "OAK": "Athletics",
    "PHI": "Philadelphia Phillies",
    "PIT": "Pittsburgh Pirates",
    "SDN": "San Diego Padres",
    "SEA": "Seattle Mariners",
    "SFN": "San Francisco Giants",
    "SLN": "St. Louis Cardinals",
    "TBA": "Tampa Bay Rays",
    "TEX": "Texas Rangers",
    "TOR": "Toronto Blue Jays",
    "WAS": "Washington Nationals",
}
"""Each canonical code's name today; ``team_name`` gives the name of a season."""

# (code, last season of the old name, the old name): renames and moves since 2010.
_FORMER_NAMES = (
    ("MIA", 2011, "Florida Marlins"),
    ("CLE", 2021, "Cleveland Indians"),
    ("OAK", 2024, "Oakland Athletics"),
)


def team_name(code: pl.Expr, season: pl.Expr) -> pl.Expr:
    """The team's name in ``season`` (the code itself for a code not in ``TEAM_NAMES``)."""
    name = code.replace_strict(TEAM_NAMES, default=code, return_dtype=pl.String)
    for team, last_season, former in _FORMER_NAMES:
        renamed = (code == team) & (season <= last_season)
        name = pl.when(renamed).then(pl.lit(former)).otherwise(name)
    return name
