"""Announced starting pitchers of an odds source, resolved to Retrosheet player ids.

Books list the starter a line was priced on, in their own spelling: Pinnacle writes
"A WAINWRIGHT" (sometimes "MTANAKA", without the space), the SBR archive
"WAINWRIGHT-R" or "CKERSHAW-L" (surname, sometimes after the first initial, and the
throwing hand). A listing is resolved against the pitchers the game logs name for that
team and season (ids and names of the starters):

1. the game's actual starter, if his name matches;
2. else the one pitcher of the team's season whose name matches;
3. else the actual starter if the listing is a close spelling of him: his id's stem (a
   Retrosheet id is the surname's first four letters and the first initial, so
   "D HUTCHISN" is hutcd001), his surname after a wrong initial ("N STROMAN"), or an
   abbreviation (SBR squeezes long names: "JHELICKSN-R" for Hellickson);
4. else the one pitcher of the team's season the listing abbreviates ("SSTRASBRG");
5. else the listing is unresolved (no such pitcher, or several) and the game keeps the
   game log's starter; the import report counts it.

Names the game logs spell differently from the books stay unresolved (Retrosheet keeps
Roberto Hernandez under his former name, Fausto Carmona); the fallback then is the right
pitcher anyway. A pitcher who never started for the team that season (a reliever
announced as an opener) is unresolved too: resolving him would need the game logs'
winning, losing and saving pitchers, results of the game that the games table does not
keep.

On 2014-2016 data, SBR's ``Pitcher`` column names who pitched (it differs from the game
log's starter in 2 of about 7,280 games), so it adds little; Pinnacle's listings are the
announced starters (6 resolved games of 2016 differ from who started).
"""

import polars as pl

from mlbcore.data.schema import with_added_columns

SIDES = ("home", "away")
NO_LISTING = ("UNDECIDED", "TBA", "TBD")  # placeholders some sources print
# Name tokens that are not part of a surname a book would print.
SUFFIXES = ("JR", "SR", "II", "III", "IV")
# Shorter listings are not matched letter by letter: too many names would fit.
MIN_ABBREVIATION = 8


def listings_of(matched: pl.DataFrame) -> pl.DataFrame:
    """(game_id, side, listed, line) from a source's matched games, whose ``home_listed``
    and ``away_listed`` hold its text for each side's starter."""
    return pl.concat(
        [
            matched.select("game_id", "line", side=pl.lit(side), listed=pl.col(f"{side}_listed"))
            for side in SIDES
        ]
    )


def _letters(text: pl.Expr) -> pl.Expr:
    """Upper-case letters and spaces only, accents dropped ("José Ureña" -> "JOSE URENA")."""
    return text.str.normalize("NFKD").str.to_uppercase().str.replace_all(r"[^A-Z ]", "")


def listing_key(listed: pl.Expr) -> pl.Expr:
    """A listing as one run of letters: "A WAINWRIGHT" -> "AWAINWRIGHT",
    "WAINWRIGHT-R" -> "WAINWRIGHT", "O'SULLIVAN-R" -> "OSULLIVAN"; null for no listing."""
    without_hand = listed.str.strip_chars().str.replace(r"-[A-Za-z]*$", "")
    key = _letters(without_hand).str.replace_all(" ", "")
    return pl.when(key.is_in(NO_LISTING) | (key.str.len_chars() == 0)).then(None).otherwise(key)


def name_keys(name: pl.Expr) -> pl.Expr:
    """Every way a book may print a game log's name, as listing keys: the surname of one,
    two or three words, alone or after the first initial ("Jorge de la Rosa" -> ROSA,
    LAROSA, DELAROSA, JROSA, JLAROSA, JDELAROSA)."""
    words = _letters(name).str.split(" ").list.eval(pl.element().filter(pl.element() != ""))
    words = words.list.eval(pl.element().filter(~pl.element().is_in(SUFFIXES)))
    initial = words.list.first().str.slice(0, 1)
    surnames = [
        pl.when(words.list.len() > n).then(words.list.slice(-n, n).list.join("")) for n in (1, 2, 3)
    ]
    whole = words.list.join("")  # "J.A. Happ" -> JAHAPP, "A.J. Griffin" -> AJGRIFFIN
    return pl.concat_list(*surnames, *[initial + s for s in surnames], whole).list.drop_nulls()


def _id_stem_matches(key: pl.Expr, pitcher_id: pl.Expr) -> pl.Expr:
    """Whether a listing key starts with the surname stem of a Retrosheet id
    ("hutcd001" -> HUTC, initial D), after the initial or without one."""
    stem = pitcher_id.str.slice(0, 4).str.replace_all("-", "").str.to_uppercase()
    initial = pitcher_id.str.slice(4, 1).str.to_uppercase()
    after_initial = (key.str.slice(0, 1) == initial) & key.str.slice(1).str.starts_with(stem)
    return after_initial | key.str.starts_with(stem)


def team_pitchers(games: pl.DataFrame) -> pl.DataFrame:
    """(season, team, pitcher_id, key): every listing key of every pitcher the game logs
    name as a starter of that team and season."""
    named = pl.concat(
        [
            games.select(
                "season",
                team=pl.col(f"{side}_team"),
                pitcher_id=pl.col(f"{side}_starting_pitcher_id"),
                name=pl.col(f"{side}_starting_pitcher_name"),
            )
            for side in SIDES
        ]
    ).filter(pl.col("pitcher_id").is_not_null() & pl.col("name").is_not_null())
    return (
        named.unique(["season", "team", "pitcher_id", "name"])
        .select("season", "team", "pitcher_id", key=name_keys(pl.col("name")))
        .explode("key")
        .unique()
    )


def _abbreviation_of(key: pl.Expr) -> pl.Expr:
    """A regex matching names that hold the listing's letters in order from the first
    ("JHELICKSN" -> ^J.*H.*E.*L..., which JHELLICKSON matches)."""
    return pl.lit("^") + key.str.replace_all(r"(.)", "${1}.*")


def resolve_listings(listings: pl.DataFrame, games: pl.DataFrame) -> pl.DataFrame:
    """``listings`` (game_id, side, listed: the source's text, any other columns) with
    ``actual_id`` (the game log's starter), ``listed_id`` (the listing's Retrosheet id,
    null if unresolved) and ``resolved_by`` ("name", "spelling" for a misspelled or
    abbreviated listing, or null). Rows without a listing (empty, "UNDECIDED") are dropped.

    In order: the actual starter by name; the one team pitcher of that name; the actual
    starter by a close spelling (id stem, wrong initial, abbreviation); the one team
    pitcher by abbreviation. ``games`` must carry the starters' ids and names."""
    actual = pl.concat(
        [
            games.select(
                "game_id",
                "season",
                side=pl.lit(side),
                team=pl.col(f"{side}_team"),
                actual_id=pl.col(f"{side}_starting_pitcher_id"),
                actual_keys=name_keys(pl.col(f"{side}_starting_pitcher_name")),
            )
            for side in SIDES
        ]
    )
    keyed = (
        listings.with_columns(key=listing_key(pl.col("listed")))
        .filter(pl.col("key").is_not_null())
        .join(actual, on=["game_id", "side"], how="left", maintain_order="left")
    )
    roster = team_pitchers(games)
    exact = (
        keyed.join(roster, on=["season", "team", "key"], how="inner")
        .group_by("game_id", "side")
        .agg(exact_ids=pl.col("pitcher_id").unique())
    )
    keyed = keyed.join(exact, on=["game_id", "side"], how="left", maintain_order="left")
    actual_by_name = pl.col("actual_keys").list.contains(pl.col("key")).fill_null(False)
    by_name = actual_by_name | (pl.col("exact_ids").list.len() == 1).fill_null(False)
    # Only listings no name matched are compared letter by letter: a handful, not all.
    abbreviated = (
        keyed.filter(~by_name & (pl.col("key").str.len_chars() >= MIN_ABBREVIATION))
        .select("game_id", "side", "season", "team", pattern=_abbreviation_of(pl.col("key")))
        .join(roster.rename({"key": "name_key"}), on=["season", "team"], how="inner")
        .filter(pl.col("name_key").str.contains(pl.col("pattern")))
        .group_by("game_id", "side")
        .agg(close_ids=pl.col("pitcher_id").unique())
    )
    keyed = keyed.join(abbreviated, on=["game_id", "side"], how="left", maintain_order="left")
    actual_by_spelling = pl.col("actual_id").is_not_null() & (
        _id_stem_matches(pl.col("key"), pl.col("actual_id"))
        | pl.col("actual_keys").list.contains(pl.col("key").str.slice(1))  # wrong initial
        | pl.col("close_ids").list.contains(pl.col("actual_id")).fill_null(False)
    )
    listed_id = (
        pl.when(actual_by_name)
        .then(pl.col("actual_id"))
        .when(pl.col("exact_ids").list.len() == 1)
        .then(pl.col("exact_ids").list.first())
        .when(actual_by_spelling)
        .then(pl.col("actual_id"))
        .when(pl.col("close_ids").list.len() == 1)
        .then(pl.col("close_ids").list.first())
    )
    return keyed.with_columns(
        listed_id=listed_id,
        resolved_by=pl.when(by_name)
        .then(pl.lit("name"))
        .when(listed_id.is_not_null())
        .then(pl.lit("spelling")),
    ).drop("key", "season", "team", "actual_keys", "exact_ids", "close_ids")


# A listing of an earlier book outranks a later one's, whatever the import order:
# Pinnacle's are time-stamped with its lines, SBR's are an archive's consensus.
BOOK_PRIORITY = ("pinnacle", "sbr")


def apply_listings(
    games: pl.DataFrame, resolved: pl.DataFrame, matched: pl.Series, book: str
) -> pl.DataFrame:
    """``games`` with ``book``'s resolved listings (``resolve_listings``) for the games it
    matched (``matched``, game ids). A side takes the listing unless a higher-ranked book's
    is there; a side the book no longer resolves loses the book's earlier listing, so
    importing the same file again changes nothing and the order of imports does not matter."""
    outranking = list(BOOK_PRIORITY[: BOOK_PRIORITY.index(book)])
    games = with_added_columns("games", games)
    for side in SIDES:
        new = resolved.filter((pl.col("side") == side) & pl.col("listed_id").is_not_null()).select(
            "game_id", new_id=pl.col("listed_id")
        )
        source = pl.col(f"{side}_starter_source")
        ours = pl.col("game_id").is_in(matched.implode()) & ~source.is_in(outranking).fill_null(
            False
        )
        replace = ours & (pl.col("new_id").is_not_null() | (source == book).fill_null(False))
        games = (
            games.join(new, on="game_id", how="left", maintain_order="left")
            .with_columns(
                pl.when(replace)
                .then(pl.col("new_id"))
                .otherwise(pl.col(f"{side}_starter_listed_id"))
                .alias(f"{side}_starter_listed_id"),
                pl.when(replace)
                .then(pl.when(pl.col("new_id").is_not_null()).then(pl.lit(book)))
                .otherwise(source)
                .alias(f"{side}_starter_source"),
            )
            .drop("new_id")
        )
    return games


def listing_notes(
    games: pl.DataFrame, listed_sides: int, resolved: pl.DataFrame, show: int = 10
) -> list[str]:
    """The import report's lines on starters: how many sides the source listed, how many
    resolved (and differ from who started), and every unresolved one (up to ``show``)."""
    found = resolved.filter(pl.col("listed_id").is_not_null())
    differ = found.filter(pl.col("listed_id") != pl.col("actual_id"))
    spelled = found.filter(pl.col("resolved_by") == "spelling").height
    unresolved = resolved.filter(pl.col("listed_id").is_null())
    lines = [
        f"starters: {resolved.height} listed ({listed_sides - resolved.height} sides listed "
        f"none), {found.height} resolved to Retrosheet ids ({spelled} by a close spelling), "
        f"{differ.height} of them not the game log's starter in "
        f"{differ['game_id'].n_unique()} games"
    ]
    if unresolved.height:
        lines.append(
            f"{unresolved.height} listed starters matched no pitcher of the team's season; "
            "those games keep the game log's starter:"
        )
        lines += [
            f"  {row['game_id']} {row['side']}: {row['listed']!r} (started: {row['actual_id']})"
            for row in unresolved.head(show).iter_rows(named=True)
        ]
        if unresolved.height > show:
            lines.append(f"  ... and {unresolved.height - show} more")
    names = with_added_columns("games", games)["home_starting_pitcher_name"]
    if games.height and names.null_count() == games.height:
        lines.append(
            "the snapshot's games carry no starters' names (imported by an older version): "
            "import the game logs again (mlb import retrosheet) to resolve listed starters"
        )
    return lines
