"""The notebooks as the web app analysts use, in a real browser: each is served with
`marimo run`, driven in Debian's Chromium by Playwright (a control changed, its button
pressed, the output checked), screenshotted to test-artifacts/screenshots/, and the
server's output scanned for tracebacks (in app mode a failing cell just vanishes)."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
SLOW = 120_000  # ms: a training or a replay behind a button


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _serve(path: Path, env: dict[str, str], log: Path, *args: str) -> Iterator[str]:
    port = _free_port()
    marimo = Path(sys.executable).with_name("marimo")
    command = [str(marimo), "run", str(path), "--headless", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--no-token", *(["--", *args] if args else [])]
    with log.open("w") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/health", timeout=2) as answer:
                        if b"healthy" in answer.read():
                            break
                except OSError:
                    pass
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "marimo did not become healthy in 60 s"
                time.sleep(0.2)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.fixture(scope="module")
def app_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The embedded default with champions trained as of 2016-09-01."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "MLFLOW_", "REDIS_", "MLB_"))
    }
    env["MLB_STATE_DIR"] = str(tmp_path_factory.mktemp("app-state"))
    # The demo's moneyline and over/under models fail the promotion gate (see gate_off).
    env["PROMOTION__ENABLED"] = "false"
    mlb = [sys.executable, "-m", "mlbcore.cli.main", "train", "--as-of", "2016-09-01"]
    subprocess.run(mlb, env=env, check=True, capture_output=True)
    return env


@pytest.fixture(scope="module")
def served(app_env, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """Every notebook of the folder, served together as the README says."""
    log = tmp_path_factory.mktemp("server") / "marimo.log"
    with _serve(NOTEBOOKS, app_env, log) as base:
        yield base, log


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    yield context.new_page()
    context.close()


def _open(page, base: str, notebook: str, first_cell: str):
    page.goto(f"{base}/?file={notebook}")
    page.locator(f'.marimo-cell[data-cell-name="{first_cell}"]').wait_for(timeout=60_000)
    return page


def _cell(page, name: str):
    return page.locator(f'.marimo-cell[data-cell-name="{name}"]')


def _shows(locator, text: str) -> None:
    """Wait until ``text`` is shown inside ``locator`` (widgets and outputs live in shadow
    DOM, which inner_text does not read but Playwright's text locators do)."""
    locator.get_by_text(text).first.wait_for(timeout=SLOW)


# A chart in a UI element (mo.ui.altair_chart) is a marimo-vega with data-spec; a plain
# Altair chart is a marimo-mime-renderer whose data-data holds the Vega-Lite spec.
CHARTS = "marimo-vega, marimo-mime-renderer[data-mime*='vegalite']"


def _text(locator) -> str:
    """Every text inside ``locator``, shadow DOM included."""
    return str(
        locator.evaluate(
            """root => { const parts = [];
                const walk = node => { if (node.shadowRoot) walk(node.shadowRoot);
                    for (const child of node.childNodes) {
                        if (child.nodeType === 3) parts.push(child.textContent);
                        else walk(child); } };
                walk(root); return parts.join(' '); }"""
        )
    )


def _spec(page, cell: str) -> str:
    chart = _cell(page, cell).locator(CHARTS).first
    chart.wait_for(state="attached", timeout=SLOW)
    return str(chart.get_attribute("data-spec") or chart.get_attribute("data-data"))


def _wait_for_spec(page, cell: str, text: str) -> None:
    """Wait until the cell's first chart is redrawn with ``text`` in its spec."""
    deadline = time.monotonic() + SLOW / 1000
    while text not in _spec(page, cell):
        assert time.monotonic() < deadline, f"{cell}'s chart never showed {text!r}"
        page.wait_for_timeout(200)


def _finish(page, name: str, log: Path) -> None:
    # Charts draw after their spec arrives: wait for them before the screenshot.
    deadline = time.monotonic() + 30
    while page.get_by_text("Loading chart").count() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


def test_home_shows_back_ends_and_each_champions_health(served, page):
    base, log = served
    _open(page, base, "home.py", "models")
    models = _cell(page, "models")
    models.get_by_text("stale").first.wait_for(timeout=SLOW)
    assert models.get_by_text("champion v1").count() == 3
    _shows(_cell(page, "backends"), "snapshot")
    page.get_by_role("button", name="Refresh").click()
    models.get_by_text("stale").first.wait_for(timeout=SLOW)
    _shows(_cell(page, "links"), "Evaluate")
    _finish(page, "home", log)


def test_evaluate_scores_the_chosen_target(served, page):
    base, log = served
    _open(page, base, "evaluate.py", "controls")
    controls = _cell(page, "controls")
    controls.locator("select").select_option("total_over_under")
    page.get_by_role("button", name="Evaluate").click()
    summary = _cell(page, "summary")
    _shows(summary, "mlb-demo-total_over_under")
    _shows(summary, "games from")
    baselines = _cell(page, "baselines")
    _shows(baselines, "fitted on the model's training games")
    _shows(baselines, "a regularised logistic model")
    assert "log_loss" in _spec(page, "over_time")
    # Brushing a date range on the metrics-over-time chart filters the table below it.
    table = _cell(page, "days_table")
    _shows(table, "game dates")
    every_day = int(re.search(r"(\d+) game dates", _text(table)).group(1))
    canvas = _cell(page, "over_time").locator("canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.25, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.45, y, steps=8)
    page.mouse.up()
    deadline = time.monotonic() + 30
    while int(re.search(r"(\d+) game dates", _text(table)).group(1)) >= every_day:
        assert time.monotonic() < deadline, "brushing the chart did not filter the table"
        page.wait_for_timeout(200)
    assert "bankroll" in _spec(page, "bankroll")
    assert "calibration" in _spec(page, "calibration")
    _finish(page, "evaluate", log)


def test_drift_measures_and_gives_a_verdict(served, page):
    base, log = served
    _open(page, base, "drift.py", "controls")
    _cell(page, "controls").locator("select").select_option("run_total_regression")
    page.get_by_role("button", name="Measure drift").click()
    verdict = _cell(page, "verdict")
    verdict.get_by_text("Verdict:").wait_for(timeout=SLOW)
    _shows(verdict, "Importance against")  # v1 (a fresh challenger) or v2 after train
    assert "psi" in _spec(page, "distributions")
    _finish(page, "drift", log)


def test_schedule_saves_a_schedule_and_lists_it(served, page):
    base, log = served
    _open(page, base, "schedule.py", "new_schedule")
    form = _cell(page, "new_schedule")
    hour = form.locator("input").nth(0)
    hour.fill("7")
    hour.press("Enter")
    page.get_by_role("button", name="Save schedule").click()
    _cell(page, "saving").get_by_text("Saved schedule").wait_for(timeout=SLOW)
    _cell(page, "overview").get_by_text("daily 07:00 UTC").wait_for(timeout=SLOW)
    _shows(_cell(page, "overview"), "moneyline_home_win")
    _finish(page, "schedule", log)


def test_replay_walks_a_season_from_its_controls(app_env, browser, tmp_path):
    log = tmp_path / "replay.log"
    args = ("--targets", "run_total_regression", "--policies", "policy never")
    with _serve(NOTEBOOKS / "replay.py", app_env, log, *args) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 1600})
        page = context.new_page()
        page.goto(base)
        _cell(page, "controls").wait_for(timeout=60_000)
        _shows(_cell(page, "replaying"), "Press")
        page.get_by_role("button", name="Replay").click()
        summary = _cell(page, "summary")
        summary.get_by_text("Season summary").wait_for(timeout=SLOW)
        _shows(summary, "run_total_regression")
        _shows(summary, "never")
        spec = _spec(page, "timeline")
        assert "rolling mean" in spec and "promotions" in spec
        _finish(page, "replay", log)
        context.close()


def test_expected_failures_are_messages_not_tracebacks(app_env, browser, tmp_path):
    """No model yet: the home page says so and the evaluate notebook says what to do."""
    env = dict(app_env, MLB_STATE_DIR=str(tmp_path / "empty-state"))
    log = tmp_path / "server.log"
    with _serve(NOTEBOOKS, env, log) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 1600})
        page = context.new_page()
        _open(page, base, "home.py", "models")
        _shows(_cell(page, "models"), "no_models")
        _shows(_cell(page, "models"), "no champion: run mlb train")
        _open(page, base, "evaluate.py", "controls")
        page.get_by_role("button", name="Evaluate").click()
        _shows(_cell(page, "summary"), "No evaluation:")
        _shows(_cell(page, "summary"), "run mlb train first")
        _finish(page, "no-models", log)
        context.close()


# Training in the app replaces the champions with ones trained up to the data's last
# date, after which nothing is left out of sample to evaluate: it runs after the others.
def test_train_trains_on_the_chosen_window_and_draws_its_charts(served, page):
    base, log = served
    _open(page, base, "train.py", "controls")
    controls = _cell(page, "controls")
    days = controls.locator("input").nth(0)
    days.fill("60")
    days.press("Enter")
    _shows(_cell(page, "training"), "Press")
    page.get_by_role("button", name="Train").click()
    status = _cell(page, "status")
    status.get_by_text("Trained 3 target(s)").wait_for(timeout=SLOW)
    _shows(_cell(page, "metrics"), "moneyline_home_win")
    first = _spec(page, "importance")
    assert "gain_share" in first and "moneyline_home_win" in first
    _cell(page, "chart_target").locator("select").select_option("run_total_regression")
    _wait_for_spec(page, "importance", "run_total_regression: feature importance")
    _finish(page, "train", log)
