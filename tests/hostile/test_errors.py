"""Issue 12, "one line, never a traceback": numbers and dates out of range, damaged
snapshots whose manifest still matches, broken settings, back ends that are gone or die,
a read-only state folder, a full disk, a damaged model, and notebooks run as scripts.

Each case runs `mlb` (or a notebook) in a subprocess and checks the exit code (2 bad
input, 1 a failed back end), at most three lines, no traceback, and that the snapshot and
the state folder are as they were."""

import contextlib
import errno
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest
from servers import refused_port

from hostile.harness import (
    _SCRUBBED,
    BAD_INPUT,
    FAILED_BACKEND,
    Outcome,
    assert_one_clear_line,
    run_mlb,
    tree_digest,
)
from mlbcore.data.schema import TABLES
from mlbcore.data.snapshot import load_snapshot, write_snapshot
from mlbcore.settings import DEMO_SNAPSHOT, PROJECT_ROOT

HUGE = "1000000000"
LONG_PATH = "/tmp/" + "x" * 5000
TRAIN = ["train", "--targets", "moneyline_home_win", "--days", "20"]
# One thread: LightGBM's default spins when other tests share the cores.
QUIET = {"OMP_NUM_THREADS": "1", "PROMOTION__ENABLED": "false"}


def digest(path: Path) -> str:
    return tree_digest(path) if path.exists() else "absent"


def trained(outcome: Outcome) -> bool:
    """Whether the job got as far as training (its progress line says so)."""
    return "] training " in outcome.stderr


@pytest.fixture(scope="session")
def small_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo season's first 24 days (345 games): enough to train on, quick to load."""
    demo = load_snapshot(DEMO_SNAPSHOT)
    games = demo.games.filter(pl.col("date") <= pl.col("date").min() + pl.duration(days=24))
    ids = games["game_id"].implode()
    tables = {
        name: demo.table(name).filter(pl.col("game_id").is_in(ids))
        if "game_id" in TABLES[name]
        else demo.table(name)
        for name in TABLES
    }
    out = tmp_path_factory.mktemp("small") / "snap"
    write_snapshot(tables | {"games": games}, out, "the demo's first days", demo.notices)
    return out


@pytest.fixture
def snap(tmp_path: Path, small_snapshot: Path) -> Path:
    copy = tmp_path / "snap"
    shutil.copytree(small_snapshot, copy)
    return copy


@pytest.fixture(scope="session")
def trained_state(tmp_path_factory: pytest.TempPathFactory, small_snapshot: Path) -> Path:
    """A state folder with a moneyline champion trained up to 2016-04-20."""
    state = tmp_path_factory.mktemp("trained") / "state"
    outcome = run_mlb(
        [*TRAIN, "--end-date", "2016-04-20", "--data", str(small_snapshot)], state, env=QUIET
    )
    assert outcome.code == 0, outcome.stderr
    return state


def _args(command: str, **values: object) -> list[str]:
    """A command line of the table, its ``{snap}``, ``{tmp}``, ... filled in."""
    return [word.format(huge=HUGE, long=LONG_PATH, **values) for word in command.split()]


ML = "moneyline_home_win"
TRAIN_LINE = " ".join(TRAIN)
# Numbers and dates out of range, paths that cannot be: bad input, refused before work.
OUT_OF_RANGE = {
    "train --days": (f"{TRAIN_LINE} --days {{huge}} --data {{snap}}", "--days"),
    "evaluate --days": (f"evaluate {ML} --days {{huge}} --data {{snap}}", "--days"),
    "drift --days": (f"drift {ML} --days {{huge}} --data {{snap}}", "--days"),
    "report --days": (f"report {ML} --out {{tmp}}/r.html --days {{huge}}", "--days"),
    "schedule --days": ("schedule --schedule-type daily --hour 6 --job train --days {huge}", "day"),
    "train --as-of": (f"{TRAIN_LINE} --as-of 9999-12-31 --data {{snap}}", "--as-of"),
    "evaluate --as-of": (f"evaluate {ML} --as-of 9999-12-31 --data {{snap}}", "--as-of"),
    "drift --as-of": (f"drift {ML} --as-of 9999-12-31 --data {{snap}}", "--as-of"),
    "status --as-of": ("status --as-of 9999-12-31", "--as-of"),
    "retrain --as-of": ("retrain --as-of 9999-12-31 --data {snap}", "--as-of"),
    "scheduler tick --as-of": ("scheduler tick --as-of 9999-12-31", "--as-of"),
    "train over-long --data": (f"{TRAIN_LINE} --data {{long}}", "too long"),
    "evaluate over-long --data": (f"evaluate {ML} --data {{long}}", "too long"),
    "predict /proc": ("predict --start 2016-04-10 --end 2016-04-11 --out /proc/p.csv", "/proc"),
    "predict long --out": ("predict --start 2016-04-10 --end 2016-04-11 --out {long}.csv", "--out"),
    "replay --out /proc": ("replay --season 2016 --out /proc/x.csv --data {snap}", "/proc"),
    "report --out /proc": (f"report {ML} --out /proc/x.html --data {{snap}}", "/proc"),
}  # fmt: skip


@pytest.mark.parametrize("case", OUT_OF_RANGE)
def test_out_of_range_input_is_one_line_and_exit_2(case, snap, tmp_path):
    command, mentions = OUT_OF_RANGE[case]
    state = tmp_path / "state"
    before = digest(snap)
    args = _args(command, snap=snap, tmp=tmp_path)
    outcome = run_mlb(args, state, cwd=tmp_path, env=QUIET | {"MLB_DATA": str(snap)})
    assert_one_clear_line(outcome, BAD_INPUT, mentions)
    assert not trained(outcome)
    assert digest(snap) == before
    assert not (state / "mlflow.db").exists() and not (state / "state.db").exists()


def _rewrite_manifest(snap: Path, change: Callable[[dict], object]) -> None:
    manifest = snap / "manifest.json"
    manifest.write_text(json.dumps(change(json.loads(manifest.read_text()))))


def _matching_manifest(snap: Path) -> None:
    """The manifest brought in line with the files as they now are: hashes and row
    counts, as a careless hand or a buggy writer would leave it."""

    def match(manifest: dict) -> dict:
        for name in manifest["files"]:
            file = snap / name
            manifest["files"][name] = hashlib.sha256(file.read_bytes()).hexdigest()
            with contextlib.suppress(pl.exceptions.PolarsError):  # no Parquet: no count
                manifest["row_counts"][file.stem] = pl.read_parquet(file).height
        return manifest

    _rewrite_manifest(snap, match)


def _games(snap: Path, change: Callable[[pl.DataFrame], pl.DataFrame]) -> None:
    path = snap / "games.parquet"
    change(pl.read_parquet(path)).write_parquet(path)
    _matching_manifest(snap)


def _file_bytes(name: str, change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def damage(snap: Path) -> None:
        path = snap / name
        path.write_bytes(change(path.read_bytes()))
        if name != "manifest.json":
            _matching_manifest(snap)

    return damage


def _no_first_pitch(games: pl.DataFrame) -> pl.DataFrame:
    first = pl.col("game_id") == games["game_id"][5]
    return games.with_columns(
        first_pitch_utc=pl.when(first).then(None).otherwise(pl.col("first_pitch_utc"))
    )


def _manifest_is_a_list(snap: Path) -> None:
    (snap / "manifest.json").write_text("[1, 2]")


def _duplicate_games(snap: Path) -> None:
    _games(snap, lambda games: pl.concat([games, games.head(3)]))


def _as_text(column: str) -> Callable[[Path], None]:
    return lambda snap: _games(snap, lambda g: g.with_columns(pl.col(column).cast(pl.String)))


def _without_content_hash(manifest: dict) -> dict:
    del manifest["content_hash"]
    return manifest


def _manifest_field(change: Callable[[dict], object]) -> Callable[[Path], None]:
    return lambda snap: _rewrite_manifest(snap, change)


# Damage that the manifest's file hashes do not catch, since they were rewritten to match.
DAMAGED = {
    "truncated parquet": (_file_bytes("games.parquet", lambda b: b[: len(b) // 2]), "Parquet"),
    "empty parquet": (_file_bytes("odds_lines.parquet", lambda b: b""), "Parquet"),
    "random parquet": (_file_bytes("games.parquet", lambda b: os.urandom(len(b))), "Parquet"),
    "manifest is a list": (_manifest_is_a_list, "manifest"),
    "manifest lacks content_hash": (_manifest_field(_without_content_hash), "content_hash"),
    "notices not a list": (_manifest_field(lambda m: m | {"notices": 5}), "notices"),
    "notices a string": (_manifest_field(lambda m: m | {"notices": "Retrosheet"}), "notices"),
    "manifest not UTF-8": (_file_bytes("manifest.json", lambda b: b"\xff" + b), "UTF-8"),
    "missing column": (lambda snap: _games(snap, lambda g: g.drop("home_score")), "home_score"),
    "wrong column type": (_as_text("home_score"), "home_score is String"),
    "time as text": (_as_text("first_pitch_utc"), "first_pitch_utc is String"),
    "duplicate game_id": (_duplicate_games, "more than once"),
    "null first pitch": (lambda snap: _games(snap, _no_first_pitch), "no first_pitch_utc"),
}  # fmt: skip


@pytest.mark.parametrize("case", DAMAGED)
def test_a_damaged_snapshot_is_refused_in_one_line(case, snap, tmp_path):
    damage, mentions = DAMAGED[case]
    damage(snap)
    before, state = digest(snap), tmp_path / "state"
    outcome = run_mlb([*TRAIN, "--data", str(snap)], state, cwd=tmp_path, env=QUIET)
    assert_one_clear_line(outcome, BAD_INPUT, mentions)
    assert not trained(outcome) and not (state / "mlflow.db").exists()
    assert digest(snap) == before


@pytest.mark.parametrize("case", [c for c in DAMAGED if "manifest" in c or "notices" in c])
def test_status_shows_a_damaged_manifest_as_data_down(case, snap, tmp_path):
    """`mlb status` reads the manifest only (the tables are checked when a command loads
    them): a damaged one is the data back end DOWN, and --check makes that exit 1."""
    DAMAGED[case][0](snap)
    outcome = run_mlb(["status", "--check"], tmp_path / "state", env={"MLB_DATA": str(snap)})
    assert_one_clear_line(outcome, FAILED_BACKEND, "DOWN")


# Settings that can never work: refused at the start of every command, `status` included.
SETTINGS = {
    "mlb.toml syntax": ({}, b"[training\ncross_validation_folds = 3\n", "mlb.toml"),
    "mlb.toml encoding": ({}, b"[training]\nseed = '\xff\xfe'\n", "UTF-8"),
    "TRAINING not JSON": ({"TRAINING": "not json"}, None, "TRAINING"),
    "MLFLOW_TRACKING_URI scheme": ({"MLFLOW_TRACKING_URI": "bogus://x"}, None, "bogus://"),
    "DATABASE_HOST with a space": ({"DATABASE_HOST": "local host"}, None, "DATABASE_HOST"),
    "MLB_CONFIG_FILE missing": ({"MLB_CONFIG_FILE": "/no/mlb.toml"}, None, "MLB_CONFIG_FILE"),
}  # fmt: skip


@pytest.mark.parametrize("command", ["status", "train"])
@pytest.mark.parametrize("case", SETTINGS)
def test_a_broken_setting_is_one_line_and_exit_2(case, command, snap, tmp_path):
    env, toml, mentions = SETTINGS[case]
    if toml is not None:
        (tmp_path / "mlb.toml").write_bytes(toml)
    args = [*TRAIN, "--data", str(snap)] if command == "train" else ["status"]
    state = tmp_path / "state"
    outcome = run_mlb(args, state, cwd=tmp_path, env=QUIET | env)
    assert_one_clear_line(outcome, BAD_INPUT, mentions)
    assert not trained(outcome) and not state.exists()


@pytest.mark.parametrize(
    ("where", "mentions"),
    [
        (lambda tmp: tmp / "a_file", "not a folder"),
        (lambda tmp: Path("/proc/mlb-state"), "MLB_STATE_DIR"),
        (lambda tmp: Path(LONG_PATH), "too long"),
    ],
    ids=["a file", "under /proc", "over-long"],
)
def test_an_unusable_state_folder_fails_before_training(where, mentions, snap, tmp_path):
    state = where(tmp_path)
    (tmp_path / "a_file").write_text("mine")
    outcome = run_mlb([*TRAIN, "--data", str(snap)], state, cwd=tmp_path, env=QUIET)
    assert_one_clear_line(outcome, BAD_INPUT, mentions)
    assert not trained(outcome)
    assert (tmp_path / "a_file").read_text() == "mine"
    outcome = run_mlb(["status", "--check"], state, cwd=tmp_path)
    assert_one_clear_line(outcome, FAILED_BACKEND, "DOWN")


# Back ends that do not answer: found before the training, not after it.
PG = "postgresql://root:secret@127.0.0.1:{port}/x"
UNREACHABLE = {
    "db load": (f"db load --data {{snap}} --url {PG}", {}),
    "PostgreSQL data": (TRAIN_LINE, {"DATABASE_HOST": "127.0.0.1", "DATABASE_PORT": "{port}"}),
    "PostgreSQL MLflow store": (TRAIN_LINE, {"MLFLOW_TRACKING_URI": PG}),
    "MLflow server": (TRAIN_LINE, {"MLFLOW_TRACKING_URI": "http://127.0.0.1:{port}"}),
    "retrain, MLflow server": ("retrain", {"MLFLOW_TRACKING_URI": "http://127.0.0.1:{port}"}),
}  # fmt: skip


@pytest.mark.parametrize("case", UNREACHABLE)
def test_an_unreachable_back_end_is_one_line_and_exit_1_before_any_work(case, snap, tmp_path):
    command, env = UNREACHABLE[case]
    with refused_port() as held:  # nothing listens there, and nothing else can meanwhile
        port = str(held)
        env = {k: v.format(port=port) for k, v in env.items()} | {"MLB_DATA": str(snap)}
        args = _args(command, snap=snap, port=port)
        outcome = run_mlb(args, tmp_path / "state", cwd=tmp_path, env=QUIET | env)
    assert_one_clear_line(outcome, FAILED_BACKEND, port)
    assert "secret" not in outcome.stdout + outcome.stderr
    assert "loading data" not in outcome.stderr  # the stores were asked first


@pytest.fixture
def read_only_state(tmp_path: Path) -> Iterator[Path]:
    """An empty state folder no file can be written in: read-only by its mode, or, for
    root (whom modes do not stop), a read-only bind mount of it."""
    state = tmp_path / "state"
    state.mkdir()
    if os.geteuid() != 0:
        state.chmod(0o555)
        yield state
        state.chmod(0o755)
        return
    subprocess.run(["mount", "--bind", str(state), str(state)], check=True)
    subprocess.run(["mount", "-o", "remount,bind,ro", str(state)], check=True)
    try:
        yield state
    finally:
        subprocess.run(["umount", str(state)], check=True)


def test_a_read_only_state_folder_fails_at_once_in_one_line(read_only_state, snap, tmp_path):
    with pytest.raises(OSError) as refused:
        (read_only_state / "probe").write_text("x")
    assert refused.value.errno in (errno.EROFS, errno.EACCES)
    # Was 110 s of MLflow's retries, then a traceback.
    outcome = run_mlb(["status", "--check"], read_only_state, cwd=tmp_path)
    assert_one_clear_line(outcome, FAILED_BACKEND, "cannot write in")
    for args in (
        [*TRAIN, "--data", str(snap)],
        ["evaluate", "moneyline_home_win", "--as-of", "2016-04-25", "--data", str(snap)],
        ["schedule", "list"],
    ):
        outcome = run_mlb(args, read_only_state, cwd=tmp_path, env=QUIET)
        assert_one_clear_line(outcome, FAILED_BACKEND, "MLB_STATE_DIR")
        assert not trained(outcome)
    assert list(read_only_state.iterdir()) == []


@contextlib.contextmanager
def full_disk() -> Iterator[None]:
    """A full disk for the children started meanwhile, simulated by a file-size limit
    (RLIMIT_FSIZE) they inherit: the first write past 200 kB fails as on a full disk
    (EFBIG rather than ENOSPC; a small tmpfs would need root to mount)."""
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, limit[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limit)


def _without_progress(outcome: Outcome) -> Outcome:
    """The outcome without the job's progress lines ("[  1.2s] training ..."), which a
    failure after the training follows."""
    errors = [line for line in outcome.stderr.splitlines() if not line.startswith("[")]
    return Outcome(outcome.code, outcome.stdout, "\n".join(errors))


def test_a_full_disk_is_one_line_and_exit_1(snap, tmp_path):
    before, state = digest(snap), tmp_path / "state"
    with full_disk():
        outcome = run_mlb(["evaluate", ML, "--as-of", "2016-04-25", "--data", str(snap)], state)
    assert_one_clear_line(outcome, FAILED_BACKEND, "disk")
    # Training, the disk full when the model is logged.
    with full_disk():
        outcome = run_mlb([*TRAIN, "--data", str(snap)], tmp_path / "state2", env=QUIET)
    assert trained(outcome)
    assert_one_clear_line(_without_progress(outcome), FAILED_BACKEND, "disk")
    assert digest(snap) == before


def _model_file(state: Path, name: str) -> Path:
    (found,) = state.glob(f"mlartifacts/models/*/artifacts/artifacts/target_model/{name}")
    return found


DAMAGED_MODEL = {
    "market_free.txt cut short": ("market_free.txt", lambda b: b[: len(b) // 2]),
    "market_free.txt empty": ("market_free.txt", lambda b: b""),
    "metadata.json cut short": ("metadata.json", lambda b: b[: len(b) // 2]),
    "metadata.json not UTF-8": ("metadata.json", lambda b: b"\xff" + b),
}
USE_MODEL = {
    "predict": f"predict --targets {ML} --start 2016-04-22 --end 2016-04-23 --out {{tmp}}/p.csv",
    "evaluate": f"evaluate {ML} --as-of 2016-04-25",
}


@pytest.mark.parametrize("command", USE_MODEL)
@pytest.mark.parametrize("case", DAMAGED_MODEL)
def test_a_damaged_model_is_one_line_and_exit_1(case, command, trained_state, snap, tmp_path):
    # Damaged where it lies, then mended: a copy of the state folder would still read the
    # original's artifacts (their URIs are absolute).
    name, damage = DAMAGED_MODEL[case]
    model = _model_file(trained_state, name)
    whole = model.read_bytes()
    model.write_bytes(damage(whole))
    # The store and the model as they were (MLflow's first download of a models:/ URI
    # leaves a registered_model_meta file beside the model: not ours to judge).
    kept = (trained_state / "mlflow.db", model.parent)
    try:
        before = [digest(path) for path in kept]
        args = _args(USE_MODEL[command], tmp=tmp_path)
        outcome = run_mlb(args, trained_state, cwd=tmp_path, env=QUIET | {"MLB_DATA": str(snap)})
        assert [digest(path) for path in kept] == before
    finally:
        model.write_bytes(whole)
    assert_one_clear_line(outcome, FAILED_BACKEND, "damaged")
    assert not (tmp_path / "p.csv").exists()


def test_the_whole_model_still_predicts(trained_state, snap, tmp_path):
    """The check for damage passes a whole model (the cases above fail for the damage)."""
    args = _args(USE_MODEL["predict"], tmp=tmp_path)
    outcome = run_mlb(args, trained_state, cwd=tmp_path, env={"MLB_DATA": str(snap)})
    assert outcome.code == 0, outcome.stderr
    assert pl.read_csv(tmp_path / "p.csv").height > 0


def _child_env(state: Path, env: dict[str, str]) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    return base | {"MLB_STATE_DIR": str(state), "PYTHONWARNINGS": "ignore"} | env


def test_postgresql_dying_mid_load_is_one_line_and_loses_nothing(private_cluster, snap, tmp_path):
    state = tmp_path / "state"
    first = run_mlb(["db", "load", "--data", str(snap), "--url", private_cluster.url], state)
    assert first.code == 0, first.stderr
    loaded = private_cluster.games()
    # A second load, stopped after its first table: the server dies there.
    marker = tmp_path / "paused"
    pause = {"MLB_TEST_PAUSE_AT": "db_load_games", "MLB_TEST_PAUSE_MARKER": str(marker)}
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; from mlbcore.cli.main import main; sys.exit(main())",
         "db", "load", "--data", str(DEMO_SNAPSHOT), "--url", private_cluster.url],
        env=_child_env(state, pause), cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    while not marker.exists():
        assert child.poll() is None, child.communicate()
        time.sleep(0.05)
    private_cluster.stop("immediate")
    marker.unlink()
    stdout, stderr = child.communicate()
    assert_one_clear_line(
        Outcome(child.returncode, stdout, stderr), FAILED_BACKEND, "during the load"
    )
    private_cluster.start()
    assert private_cluster.games() == loaded  # the half-done load was rolled back


def _run_notebook(notebook: str, args: list[str], state: Path, env: dict[str, str]) -> Outcome:
    done = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "notebooks" / notebook), *args],
        capture_output=True, text=True, env=_child_env(state, env), cwd=state.parent,
    )  # fmt: skip
    return Outcome(done.returncode, done.stdout, done.stderr)


@pytest.mark.parametrize(
    ("notebook", "args", "damage", "mentions"),
    [
        ("train.py", ["--days", "0"], None, "--days"),
        ("train.py", ["--days", HUGE], None, "--days"),
        ("evaluate.py", [], DAMAGED["manifest is a list"][0], "manifest"),
        ("drift.py", [], DAMAGED["duplicate game_id"][0], "more than once"),
    ],
    ids=["train --days 0", "train --days huge", "evaluate, damaged manifest", "drift, dup games"],
)
def test_a_notebook_run_as_a_script_ends_a_known_error_in_one_line(
    notebook, args, damage, mentions, snap, tmp_path
):
    if damage is not None:
        damage(snap)
    outcome = _run_notebook(notebook, args, tmp_path / "state", {"MLB_DATA": str(snap)})
    assert_one_clear_line(outcome, 1, mentions)  # an uncaught exception's status
    assert outcome.lines[-1].startswith(f"{notebook}: error: ")
