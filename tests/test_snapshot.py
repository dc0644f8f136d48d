import json
import shutil

import polars as pl
import pytest

from mlbcore.data.demo import generate_demo_season, write_demo_snapshot
from mlbcore.data.snapshot import content_hash, load_snapshot, read_manifest, write_snapshot
from mlbcore.errors import MlbError
from mlbcore.settings import DEMO_SNAPSHOT


def test_the_committed_demo_snapshot_is_what_the_generator_makes():
    manifest = read_manifest(DEMO_SNAPSHOT)
    assert content_hash(generate_demo_season(seed=2016)) == manifest["content_hash"]
    assert manifest["row_counts"] == {
        name: frame.height for name, frame in generate_demo_season(seed=2016).items()
    }


def test_the_demo_snapshot_is_small_enough_to_commit():
    assert sum(f.stat().st_size for f in DEMO_SNAPSHOT.iterdir()) < 10 * 1024 * 1024


def test_write_then_load_round_trips_and_the_data_version_is_the_content_hash(tmp_path):
    manifest = write_demo_snapshot(tmp_path / "demo", seed=7)
    snapshot = load_snapshot(tmp_path / "demo")
    assert snapshot.data_version == manifest["content_hash"]
    assert snapshot.games.height == manifest["row_counts"]["games"]
    again = write_demo_snapshot(tmp_path / "demo", seed=7)
    assert again["content_hash"] == manifest["content_hash"]


def test_a_failed_write_leaves_the_previous_snapshot_intact(tmp_path):
    out = tmp_path / "snap"
    tables = generate_demo_season(seed=3)
    before = write_snapshot(tables, out, "first")
    broken = dict(tables, games=tables["games"].drop("home_score"))
    with pytest.raises(MlbError, match="lacks columns"):
        write_snapshot(broken, out, "second")
    assert json.loads((out / "manifest.json").read_text()) == before
    assert load_snapshot(out).data_version == before["content_hash"]
    assert [p.name for p in tmp_path.iterdir()] == ["snap"]  # no staging folder left behind


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: (p / "manifest.json").unlink(), "has no manifest.json"),
        (lambda p: (p / "manifest.json").write_text("{"), "is not valid JSON"),
        (lambda p: (p / "odds_lines.parquet").unlink(), "is missing odds_lines.parquet"),
        (
            lambda p: (
                pl.read_parquet(p / "games.parquet").head(10).write_parquet(p / "games.parquet")
            ),
            "does not match the hash in its manifest",
        ),
    ],
)
def test_a_damaged_snapshot_is_refused_with_what_to_do(tmp_path, damage, message):
    copy = tmp_path / "snap"
    shutil.copytree(DEMO_SNAPSHOT, copy)
    damage(copy)
    with pytest.raises(MlbError, match=message):
        load_snapshot(copy)


@pytest.mark.parametrize("kind", ["file", "folder of other files", "folder inside a file"])
def test_a_snapshot_never_replaces_a_file_or_a_folder_of_other_files(tmp_path, kind):
    target = tmp_path / "work"
    if kind == "file":
        target.write_text("a thesis\n")
    elif kind == "folder of other files":
        target.mkdir()
        (target / "notes.txt").write_text("notes\n")
    else:
        target.write_text("a thesis\n")
        target = target / "snap"
    before = sorted((p.name, p.read_bytes() if p.is_file() else b"") for p in tmp_path.rglob("*"))
    with pytest.raises(MlbError, match=r"is a file|is not a snapshot"):
        write_snapshot(generate_demo_season(seed=3), target, "demo")
    after = sorted((p.name, p.read_bytes() if p.is_file() else b"") for p in tmp_path.rglob("*"))
    assert after == before  # nothing moved to a hidden .work.old, no staging folder left


def test_prepare_out_keeps_a_snapshot_of_its_source_and_needs_force_for_another(tmp_path):
    from mlbcore.data.snapshot import prepare_out

    write_demo_snapshot(tmp_path / "demo", seed=3)
    assert prepare_out(tmp_path / "demo", "demo") is not None  # adds to it
    with pytest.raises(
        MlbError, match="holds a snapshot of the synthetic demo season; pass --force"
    ):
        prepare_out(tmp_path / "demo", "retrosheet")
    assert prepare_out(tmp_path / "demo", "retrosheet", force=True) is None  # a fresh start
    (tmp_path / "empty").mkdir()
    assert prepare_out(tmp_path / "empty", "retrosheet") is None
    assert prepare_out(tmp_path / "new" / "deeper", "retrosheet") is None
