"""The notebooks as the web app analysts use, in a real browser: each is served with
`marimo run`, driven in Debian's Chromium by Playwright (a control changed, its button
pressed, the output checked), screenshotted to test-artifacts/screenshots/, and the
server's output scanned for tracebacks (in app mode a failing cell just vanishes).

Every wait is for an event, never a wall-clock budget, so a loaded machine is only
slower: a cell's output appearing, or the page's connection to the server closing. The
server's output is watched as it comes, and a traceback stops the server, which closes
the connection: a cell that failed (and vanished) ends the wait at once."""

import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from servers import PORT_ATTEMPTS, free_port

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
FOREVER = 0  # Playwright's "no timeout": the waits below end on events only
# marimo marks its root with the websocket's state; anything but OPEN once a page has
# loaded means the server is gone.
DISCONNECTED = '#App:not([data-connection-state="OPEN"])'


def _watch(server: subprocess.Popen[str], log: Path, announced: threading.Event) -> None:
    """Copy the server's output to ``log`` line by line; ``announced`` is set once marimo
    prints its URL (or the server ends). A traceback stops the server, so a page waiting
    for a cell that failed sees its connection close instead of waiting forever."""
    with log.open("w") as output:
        for line in server.stdout or ():
            output.write(line)
            output.flush()
            if "URL:" in line:
                announced.set()
            if "Traceback" in line:
                server.terminate()
    announced.set()


@contextmanager
def _serve(path: Path, env: dict[str, str], log: Path, *args: str) -> Iterator[str]:
    """``marimo run PATH`` on a free port, under a path of its own: a server of a second
    test suite that took the same port meanwhile never answers there, and ours, unable to
    listen, exits and is started again on another port. Yields the app's base URL."""
    prefix = f"/mlb-{uuid.uuid4().hex[:12]}"
    marimo = Path(sys.executable).with_name("marimo")
    for _ in range(PORT_ATTEMPTS):
        port = free_port()
        command = [str(marimo), "run", str(path), "--headless", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--base-url", prefix, "--no-token"]
        command += ["--", *args] if args else []
        server = subprocess.Popen(
            command,
            env={**env, "PYTHONUNBUFFERED": "1"},  # each line reaches the watcher as printed
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        announced = threading.Event()
        watcher = threading.Thread(target=_watch, args=(server, log, announced), daemon=True)
        watcher.start()
        base = f"http://127.0.0.1:{port}{prefix}"
        announced.wait()  # marimo prints its URL just before it listens
        while not _healthy(base) and server.poll() is None:
            time.sleep(0.05)  # the socket is a moment behind the URL line
        if server.poll() is None:
            break
        watcher.join()
        said = log.read_text()
        assert "address already in use" in said.lower(), said
    else:
        pytest.fail(f"marimo found no free port in {PORT_ATTEMPTS} tries")
    try:
        yield base
    finally:
        server.terminate()
        server.wait()
        watcher.join()


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/health") as answer:
            return b"healthy" in answer.read()
    except OSError:
        return False


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


def _new_context(browser):
    """A browser context whose every action and navigation waits as long as it takes."""
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    context.set_default_timeout(FOREVER)
    context.set_default_navigation_timeout(FOREVER)
    return context


@pytest.fixture
def page(browser):
    context = _new_context(browser)
    yield context.new_page()
    context.close()


def _open(page, base: str, notebook: str, first_cell: str, timeout: float = FOREVER):
    page.goto(f"{base}/?file={notebook}" if notebook else base, timeout=timeout)
    page.locator('#App[data-connection-state="OPEN"]').wait_for(timeout=timeout)
    _until(page.locator(f'.marimo-cell[data-cell-name="{first_cell}"]'), timeout=timeout)
    return page


def _cell(page, name: str):
    return page.locator(f'.marimo-cell[data-cell-name="{name}"]')


def _until(wanted, failed=None, timeout: float = FOREVER) -> None:
    """Wait, however long it takes (or ``timeout`` ms, then fail), until ``wanted`` (a
    locator) is in the page, or the page loses its server (it exited, or printed a
    traceback: see ``_watch``), or ``failed`` (a locator: the notebook's own error
    message) shows instead."""
    gone = wanted.page.locator(DISCONNECTED)
    either = wanted.first.or_(gone)
    if failed is not None:
        either = either.or_(failed.first)
    either.first.wait_for(state="attached", timeout=timeout)
    assert not gone.count(), "the notebook server stopped: see its log"
    if failed is not None and failed.count():
        raise AssertionError(_text(failed.first.locator("xpath=..")))


def _until_true(page, predicate: str, arg: object) -> None:
    """Wait until the JavaScript ``predicate(arg)`` holds in the page, or the page loses
    its server."""
    page.wait_for_function(
        f"""arg => document.querySelector('{DISCONNECTED}') !== null || ({predicate})(arg)""",
        arg=arg,
        timeout=FOREVER,
    )
    assert not page.locator(DISCONNECTED).count(), "the notebook server stopped: see its log"


def _shows(locator, text: str, unless: str | None = None, timeout: float = FOREVER) -> None:
    """Wait until ``text`` is shown inside ``locator`` (widgets and outputs live in shadow
    DOM, which inner_text does not read but Playwright's text locators do); fail at once
    if ``unless`` (the notebook's message for an error) is shown there instead, or after
    ``timeout`` ms."""
    _until(locator.get_by_text(text), locator.get_by_text(unless) if unless else None, timeout)


# A chart in a UI element (mo.ui.altair_chart) is a marimo-vega with data-spec; a plain
# Altair chart is a marimo-mime-renderer whose data-data holds the Vega-Lite spec.
CHARTS = "marimo-vega, marimo-mime-renderer[data-mime*='vegalite']"


# Every text inside an element, shadow DOM included.
TEXT_OF = """root => { const parts = [];
    const walk = node => { if (node.shadowRoot) walk(node.shadowRoot);
        for (const child of node.childNodes) {
            if (child.nodeType === 3) parts.push(child.textContent);
            else walk(child); } };
    walk(root); return parts.join(' '); }"""


def _text(locator) -> str:
    """Every text inside ``locator``, shadow DOM included."""
    return str(locator.evaluate(TEXT_OF))


def _spec(page, cell: str) -> str:
    chart = _cell(page, cell).locator(CHARTS).first
    _until(chart)
    return str(chart.get_attribute("data-spec") or chart.get_attribute("data-data"))


def _wait_for_spec(page, cell: str, text: str) -> None:
    """Wait until the cell's first chart is redrawn with ``text`` in its spec."""
    _until(_cell(page, cell).locator(f'[data-spec*="{text}"], [data-data*="{text}"]'))
    assert text in _spec(page, cell)


def _finish(page, name: str, log: Path) -> None:
    # Charts draw after their spec arrives: wait for each to draw before the screenshot.
    loading = page.get_by_text("Loading chart")
    while loading.count():
        loading.first.wait_for(state="detached", timeout=FOREVER)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Written whole, then renamed: a second suite of the same clone may be saving it too.
    draft = SCREENSHOTS / f".{name}.{os.getpid()}.png"
    draft.write_bytes(page.screenshot(full_page=True))
    draft.replace(SCREENSHOTS / f"{name}.png")
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


def test_home_shows_back_ends_and_each_champions_health(served, page):
    base, log = served
    _open(page, base, "home.py", "models")
    models = _cell(page, "models")
    _shows(models, "stale")
    assert models.locator(".mlb-card").count() == 3  # a verdict card per target, first
    assert models.get_by_text("champion v1").count() == 3
    _shows(_cell(page, "backends"), "snapshot")
    page.get_by_role("button", name="Refresh").click()
    _shows(models, "stale")
    _shows(_cell(page, "links"), "Evaluate")
    _finish(page, "home", log)


def test_evaluate_scores_the_chosen_target(served, page):
    base, log = served
    _open(page, base, "evaluate.py", "controls")
    controls = _cell(page, "controls")
    controls.locator("select").select_option("total_over_under")
    page.get_by_role("button", name="Evaluate").click()
    summary = _cell(page, "summary")
    _shows(summary, "mlb-demo-total_over_under", unless="No evaluation:")
    assert summary.locator(".mlb-card").count() == 1  # the verdict first
    _shows(summary, "from the market")
    _shows(_cell(page, "metrics"), "games from")
    _shows(_cell(page, "metrics"), "MLflow run not logged")  # the box is unticked
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
    _until_true(
        page,
        f"""([cell, every]) => {{
            const table = document.querySelector(`.marimo-cell[data-cell-name="${{cell}}"]`);
            const found = /(\\d+) game dates/.exec(({TEXT_OF})(table));
            return found !== null && Number(found[1]) < every; }}""",
        ["days_table", every_day],
    )
    assert int(re.search(r"(\d+) game dates", _text(table)).group(1)) < every_day
    assert "bankroll" in _spec(page, "bankroll")
    calibration = _spec(page, "calibration")
    assert (
        "calibration" in calibration
        and "market" in calibration
        and "games in the bin" in (calibration)
    )
    # Bets by team and side, not side a/b; no dtype labels.
    bets = _text(_cell(page, "bankroll"))
    assert " at " in bets and "price_a" not in bets and ("over " in bets or "under " in bets)
    # A control changed: the last result stays, with what it ran with.
    controls.locator("select").select_option("moneyline_home_win")
    _shows(summary, "The controls have changed since")
    _shows(summary, "mlb-demo-total_over_under")
    assert "bankroll" in _spec(page, "bankroll")
    _finish(page, "evaluate", log)


@pytest.fixture(scope="module")
def constant_model_env(app_env, tmp_path_factory) -> dict[str, str]:
    """A degenerate champion: the demo without prices (every game scored by the
    market-free part) and leaves too big to split, so every prediction is the base rate."""
    from mlbcore.data.snapshot import load_snapshot, write_snapshot
    from mlbcore.settings import DEMO_SNAPSHOT

    demo = load_snapshot(DEMO_SNAPSHOT)
    data = tmp_path_factory.mktemp("no-prices") / "snapshot"
    tables = {"games": demo.games, "odds_lines": demo.odds_lines.clear()}
    write_snapshot(tables, data, "the demo without prices")
    env = dict(app_env, MLB_DATA=str(data), MLB_STATE_DIR=str(tmp_path_factory.mktemp("flat")))
    env["MODELS__MONEYLINE_HOME_WIN__MIN_DATA_IN_LEAF"] = "100000"
    mlb = [sys.executable, "-m", "mlbcore.cli.main", "train", "--targets", "moneyline_home_win"]
    subprocess.run([*mlb, "--as-of", "2016-09-01"], env=env, check=True, capture_output=True)
    return env


def test_evaluate_flags_a_degenerate_model_in_words(constant_model_env, browser, tmp_path):
    log = tmp_path / "server.log"
    with _serve(NOTEBOOKS / "evaluate.py", constant_model_env, log) as base:
        context = _new_context(browser)
        page = _open(context.new_page(), base, "", "controls")
        page.get_by_role("button", name="Evaluate").click()
        summary = _cell(page, "summary")
        _shows(summary, "predictions nearly constant", unless="No evaluation:")
        _shows(summary, "one calibration bin holds 100 % of the games")
        assert summary.locator(".mlb-card [data-kind*='neutral']").count() == 1  # not green
        _finish(page, "evaluate-degenerate", log)
        context.close()


def test_home_has_no_sideways_scroll_on_a_phone(served, browser):
    base, log = served
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(FOREVER)
    context.set_default_navigation_timeout(FOREVER)
    page = _open(context.new_page(), base, "home.py", "models")
    _shows(_cell(page, "models"), "champion v1")
    cards = _cell(page, "models").locator(".mlb-card")
    assert cards.count() == 3
    boxes = [cards.nth(i).bounding_box() for i in range(3)]
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= 390 for box in boxes), boxes
    assert boxes[1]["y"] > boxes[0]["y"]  # wrapped onto rows, not squeezed side by side
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, f"the page is {wide} px wide at 390 px"
    _finish(page, "home-390", log)
    context.close()


def test_drift_measures_and_gives_a_verdict(served, page):
    base, log = served
    _open(page, base, "drift.py", "controls")
    _cell(page, "controls").locator("select").select_option("run_total_regression")
    page.get_by_role("button", name="Measure drift").click()
    verdict = _cell(page, "verdict")
    _shows(verdict, "Verdict:", unless="No drift report:")
    _shows(verdict, "Importance against")  # v1 (a fresh challenger) or v2 after train
    assert "psi" in _spec(page, "distributions")
    # The drill-down: a feature picked shows its two windows' histograms.
    assert "training window vs recent window" in _spec(page, "histogram")
    _cell(page, "feature_picker").locator("select").select_option("month")
    _wait_for_spec(page, "histogram", "month: training window vs recent window")
    # A row picked in the table wins over the dropdown: the first row is a judged feature.
    table = _cell(page, "distributions")
    table.locator('[data-testid="select-row-checkbox"]').first.click()
    _until_true(
        page,
        f"""cell => {{
            const chart = document.querySelector(
                `.marimo-cell[data-cell-name="${{cell}}"]`).querySelector("{CHARTS}");
            const spec = chart
                && (chart.getAttribute("data-spec") || chart.getAttribute("data-data"));
            return spec !== null && spec.includes("training window vs recent window")
                && !spec.includes("month: training window"); }}""",
        "histogram",
    )
    # A control changed keeps the result on the page, saying it is the last one.
    _cell(page, "controls").locator("select").select_option("moneyline_home_win")
    _shows(_cell(page, "measurement"), "The controls have changed since")
    _shows(verdict, "Verdict:")
    _finish(page, "drift", log)


def test_schedule_saves_a_schedule_and_lists_it(served, browser):
    base, log = served
    # The size the form used to clip at.
    context = browser.new_context(viewport={"width": 1440, "height": 1160})
    context.set_default_timeout(FOREVER)
    page = context.new_page()
    _open(page, base, "schedule.py", "new_schedule")
    form = _cell(page, "new_schedule")
    hour = form.locator("input").nth(0)
    hour.fill("7")
    hour.press("Enter")
    page.get_by_role("button", name="Save schedule").click()
    _shows(_cell(page, "saving"), "Saved schedule", unless="Not saved:")
    overview = _cell(page, "overview")
    _shows(_cell(page, "schedule_list"), "daily 07:00 UTC")
    _shows(overview, "moneyline_home_win")
    _shows(overview, "no scheduler runner has ever run")
    assert form.evaluate("e => e.scrollWidth <= e.clientWidth"), "the form is clipped"
    # Delete asks to be confirmed, then deletes.
    rows = _cell(page, "schedule_list")
    rows.locator('[data-testid="select-row-checkbox"]').first.click()
    page.get_by_role("button", name="Delete schedule").click()
    notice = _cell(page, "notice")
    _shows(notice, "to delete schedule", unless="Pick a schedule")
    # A warning redraws nothing: the row stays picked.
    rows.get_by_text("Yes, delete it").click()
    page.get_by_role("button", name="Delete schedule").click()
    _shows(notice, "its past runs stay in the history", unless="Not deleted:")
    _shows(rows, "No schedules yet")
    _finish(page, "schedule", log)
    context.close()


def test_replay_walks_a_season_from_its_controls(app_env, browser, tmp_path):
    log = tmp_path / "replay.log"
    # A small input: one target, two policies, weekly checks (the CLI test walks it daily).
    args = ("--targets", "run_total_regression", "--policies", "policy never")
    args += ("--schedule", "weekly")
    with _serve(NOTEBOOKS / "replay.py", app_env, log, *args) as base:
        context = _new_context(browser)
        page = _open(context.new_page(), base, "", "controls")
        _shows(_cell(page, "replaying"), "Press")
        page.get_by_role("button", name="Replay").click()
        summary = _cell(page, "summary")
        _shows(summary, "Season summary", unless="No replay:")
        _shows(summary, "run_total_regression")
        _shows(summary, "never")
        spec = _spec(page, "timeline")
        assert "rolling mean" in spec and "promotions" in spec
        _finish(page, "replay", log)
        context.close()


# How wide the page's content is: the page, marimo's own scrolling container and every
# cell, each of which would scroll sideways if wider than the screen (a table that scrolls
# inside itself clips its overflow, so it does not count).
WIDEST_CONTENT = """() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth,
    ...[...document.querySelectorAll('#App, #App *, .marimo-cell')]
        .filter(e => getComputedStyle(e).overflowX !== 'visible' || e.matches('.marimo-cell'))
        .map(e => e.scrollWidth))"""


def test_slate_shows_a_past_dates_profit_and_fits_a_phone(app_env, browser, tmp_path, monkeypatch):
    """The over/under slate of a past date with its bets' profit, as the library computes
    it; then at 390 px wide the page does not scroll sideways (wide tables scroll inside)."""
    from datetime import date

    from mlbcore.lifecycle.slate import slate
    from mlbcore.settings import load_settings
    from mlbcore.targets import Target

    monkeypatch.setenv("MLB_STATE_DIR", app_env["MLB_STATE_DIR"])
    day, target = date(2016, 9, 20), Target.TOTAL_OVER_UNDER
    expected = slate(load_settings(), day, target, 0.02, 1000.0).totals
    assert expected.settled > 0
    log = tmp_path / "slate.log"
    args = ("--date", day.isoformat(), "--target", target.value)
    with _serve(NOTEBOOKS / "slate.py", app_env, log, *args) as base:
        context = _new_context(browser)
        page = _open(context.new_page(), base, "", "controls")
        totals = _cell(page, "totals")
        _shows(totals, "profit", unless="No slate:")
        _shows(totals, f"{expected.profit:+.2f}")
        _shows(totals, f"{expected.yield_pct:+.1f} %")
        games = _cell(page, "games")
        _shows(games, "15 games")
        _shows(games, "v1 market")
        assert "unique:" not in _text(games)  # no column summaries or dtype labels
        _shows(_cell(page, "download"), "Download the slate")
        _finish(page, "slate", log)
        page.set_viewport_size({"width": 390, "height": 844})
        _until_true(page, "() => window.innerWidth === 390", None)
        wide = page.evaluate(WIDEST_CONTENT)
        assert wide <= 390, f"the page scrolls sideways at 390 px: {wide} px wide"
        _finish(page, "slate-390", log)
        context.close()


# How long a page may take to take down a control once its job has ended: a failure
# fails rather than waits forever.
ENDED_WITHIN_MS = 60_000


def test_replay_cancel_stops_after_the_day_in_hand(app_env, browser, tmp_path):
    log = tmp_path / "replay-cancel.log"
    # A long walk: every day, three policies; cancelled once the estimate shows.
    args = ("--targets", "run_total_regression", "--policies", "policy never daily")
    with _serve(NOTEBOOKS / "replay.py", app_env, log, *args) as base:
        context = _new_context(browser)
        page = _open(context.new_page(), base, "", "controls")
        page.get_by_role("button", name="Replay").click()
        progress = _cell(page, "progress")
        _shows(progress, "left")  # days done and the estimate, after the first day
        total = int(re.search(r"of (\d+) days", _text(progress)).group(1))
        assert total == 3 * 162
        ticker = _cell(page, "replay_controls").locator("marimo-ui-element")
        assert ticker.count() >= 1  # Cancel and the ticker refreshing the progress
        page.get_by_role("button", name="Cancel").click()
        summary = _cell(page, "summary")
        _shows(summary, "Cancelled", unless="No replay:")
        _shows(progress, "Cancelled after")
        done = int(re.search(r"Cancelled after (\d+) days", _text(progress)).group(1))
        assert 0 < done < total
        # The progress stops refreshing once the replay has ended: its ticker and Cancel go.
        ticker.first.wait_for(state="detached", timeout=ENDED_WITHIN_MS)
        # The charts cover the days walked.
        assert "rolling mean" in _spec(page, "timeline")
        _finish(page, "replay-cancelled", log)
        context.close()


def test_expected_failures_are_messages_not_tracebacks(app_env, browser, tmp_path):
    """No model yet: the home page says so and the evaluate notebook says what to do."""
    env = dict(app_env, MLB_STATE_DIR=str(tmp_path / "empty-state"))
    log = tmp_path / "server.log"
    with _serve(NOTEBOOKS, env, log) as base:
        context = _new_context(browser)
        page = context.new_page()
        _open(page, base, "home.py", "models")
        _shows(_cell(page, "models"), "no_models")
        _shows(_cell(page, "models"), "no champion: train one on the Train page")
        _open(page, base, "evaluate.py", "controls")
        page.get_by_role("button", name="Evaluate").click()
        _shows(_cell(page, "summary"), "No evaluation:")
        _shows(_cell(page, "summary"), "train one on the Train page first")
        _finish(page, "no-models", log)
        context.close()


# Training in the app registers versions trained up to the data's last date without
# promoting them; it runs after the others all the same, as the champion tests below.
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
    _shows(status, "Trained 3 target(s)", unless="Training did not run:")
    # Verdict cards open the results: each new version on its held-out games, and the
    # champion in place beside it.
    verdicts = _cell(page, "verdicts")
    _shows(verdicts, "run_total_regression", timeout=PAGE_WITHIN_MS)
    said = _text(verdicts)
    assert "new v" in said and "champion v1" in said and "held out" in said, said
    _shows(_cell(page, "metrics"), "moneyline_home_win")
    first = _spec(page, "importance")
    assert "gain_share" in first and "moneyline_home_win" in first
    _cell(page, "chart_target").locator("select").select_option("run_total_regression")
    _wait_for_spec(page, "importance", "run_total_regression: feature importance")
    _finish(page, "train", log)


def _mlb(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "mlbcore.cli.main", *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_train_page_promotes_and_rolls_back_the_champion(served, app_env, page):
    """A version registered without promotion is promoted with the button, with a reason,
    then rolled back: the champion alias moves each time, as `mlb status` reads it."""
    base, log = served
    _mlb(app_env, "train", "--targets", "moneyline_home_win", "--as-of", "2016-09-15",
         "--no-promote")  # fmt: skip
    assert "moneyline_home_win    stale     champion v1," in _mlb(app_env, "status")
    _open(page, base, "train.py", "champion_controls")
    controls = _cell(page, "champion_controls")
    picker = controls.locator("select").nth(0)
    _until(picker.locator("option", has_text="moneyline_home_win v"))
    newest = next(
        text.strip()
        for text in picker.locator("option").all_inner_texts()
        if text.strip().startswith("moneyline_home_win v")
    )
    version = newest.rpartition(" v")[2]
    picker.select_option(label=newest)
    reason = controls.get_by_role("textbox")
    reason.fill("beats v1 on September")
    reason.press("Enter")
    page.get_by_role("button", name="Promote").click()
    moving = _cell(page, "moving")
    _shows(moving, f"champion v1 -> v{version} (beats v1 on September)")
    assert f"champion v{version}," in _mlb(app_env, "status")
    _shows(_cell(page, "history"), "beats v1 on September")

    page.get_by_role("button", name="Roll back").click()
    _shows(moving, f"champion v{version} -> v1")
    assert "moneyline_home_win    stale     champion v1," in _mlb(app_env, "status")
    _shows(_cell(page, "history"), "rolled back")
    _finish(page, "train-champions", log)


# An age as the pages print it, negative: "-2218 h", "-3 days".
NEGATIVE_AGE = re.compile(r"(?<![\d:])-\d+(\.\d+)? ?(h|days|years)\b")


def test_ages_and_champions_are_in_the_datas_time(served, page):
    """Home measures ages as of the data's last result, not the wall clock (the demo ends
    in 2016: no card is years old); the schedules page, as of a date before every
    champion was trained, shows none of them, and never a negative age."""
    base, log = served
    _open(page, base, "home.py", "models")
    models = _cell(page, "models")
    _shows(models, "champion v1")
    said = _text(models)
    assert "years" not in said and not NEGATIVE_AGE.search(said), said

    _open(page, base, "schedule.py", "view_controls")
    day = _cell(page, "view_controls").locator('input[type="date"]').first
    day.fill("2016-08-01")
    day.press("Enter")
    overview = _cell(page, "overview")
    _shows(overview, "no champion yet as of 2016-08-01")
    said = _text(overview)
    assert not NEGATIVE_AGE.search(said), said
    _finish(page, "schedule-before-the-champions", log)


# The tests below act on the shared server's champions (a retrain may replace one), so
# they come last. Each wait has a budget: a failure fails, never hangs.
PAGE_WITHIN_MS = 60_000
JOB_WITHIN_MS = 150_000


def test_drift_fit_challenger_shows_the_retrain_decision(served, page):
    """Fit challenger makes the retrain decision for the page's target and as-of date, and
    says what it decided about the champion in place."""
    base, log = served
    _open(page, base, "drift.py", "challenger_controls", timeout=PAGE_WITHIN_MS)
    _cell(page, "controls").locator("select").select_option(
        "run_total_regression", timeout=PAGE_WITHIN_MS
    )
    page.get_by_role("button", name="Fit challenger").click(timeout=PAGE_WITHIN_MS)
    challenger = _cell(page, "challenger")
    _shows(challenger, "Retrain decision for run_total_regression:", unless="No decision:",
           timeout=JOB_WITHIN_MS)  # fmt: skip
    said = _text(challenger)
    assert "champion v" in said, said  # the champion the decision was about
    _finish(page, "drift-fit-challenger", log)


def test_schedules_run_now_runs_the_job_and_shows_its_result(served, app_env, page):
    """Run now runs a picked schedule's job once, as of the page's date: its result is
    said, and the job history lists the run."""
    base, log = served
    said = _mlb(app_env, "schedule", "--schedule-type", "daily", "--hour", "5",
                "--job", "retrain", "--targets", "run_total_regression")  # fmt: skip
    schedule_id = int(re.search(r"schedule (\d+) saved", said).group(1))
    _open(page, base, "schedule.py", "schedule_list", timeout=PAGE_WITHIN_MS)
    rows = _cell(page, "schedule_list")
    _shows(rows, "daily 05:00 UTC", timeout=PAGE_WITHIN_MS)
    ours = rows.locator("tr", has_text="daily 05:00 UTC")
    ours.locator('[data-testid="select-row-checkbox"]').click(timeout=PAGE_WITHIN_MS)
    page.get_by_role("button", name="Run now").click(timeout=PAGE_WITHIN_MS)
    notice = _cell(page, "notice")
    _shows(notice, f"Schedule {schedule_id}: retrain succeeded, as of the end of 2016-",
           unless="Not run:", timeout=JOB_WITHIN_MS)  # fmt: skip
    # The job history's table (not its chart's legend) lists the run.
    ran = _cell(page, "history").locator("tr", has_text="succeeded").filter(has_text="retrain")
    _until(ran, timeout=PAGE_WITHIN_MS)
    _finish(page, "schedule-run-now", log)


def test_tune_runs_trials_then_applies_the_best(app_env, browser, tmp_path):
    """Start runs the trials asked for and shows the best against the current settings
    with the optimisation history; Apply writes the best into the settings file."""
    settings_file = tmp_path / "mlb.toml"
    settings_file.write_text("[training]\nseed = 42\n")  # kept when the best is applied
    env = app_env | {"MLB_CONFIG_FILE": str(settings_file), "MLB_STATE_DIR": str(tmp_path)}
    log = tmp_path / "tune.log"
    with _serve(NOTEBOOKS / "tune.py", env, log, "--trials", "2") as base:
        context = _new_context(browser)
        page = _open(context.new_page(), base, "", "controls", timeout=PAGE_WITHIN_MS)
        _shows(_cell(page, "study"), "Press", timeout=PAGE_WITHIN_MS)
        page.get_by_role("button", name="Start").click(timeout=PAGE_WITHIN_MS)
        result = _cell(page, "result")
        _shows(result, "best: trial", unless="The study did not run", timeout=JOB_WITHIN_MS)
        said = _text(result)
        assert "2 added" in said and "trial 0" in said, said
        assert "best so far" in _spec(page, "charts")
        page.get_by_role("button", name=re.compile(r"^Apply trial \d+$")).click(
            timeout=PAGE_WITHIN_MS
        )
        _shows(_cell(page, "applying"), "Done:", timeout=PAGE_WITHIN_MS)
        written = settings_file.read_text()
        assert "[models.moneyline_home_win]" in written and "tuned_by" in written, written
        assert "[training]\nseed = 42" in written, written
        _finish(page, "tune", log)
        context.close()
