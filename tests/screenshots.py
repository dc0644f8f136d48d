"""Screenshots of every page of the app at 1440 px and 390 px, for docs/screenshots/ and
the README: `uv run python tests/screenshots.py`. The embedded default in a state folder
of its own, champions trained as of 2016-09-01 (the browser tests' set-up), `mlb app` on
a free loopback port, Debian's Chromium. Each page is shot once its cells have stopped
running and its charts have drawn; a page that scrolls sideways at 390 px is named."""

import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright
from servers import PORT_ATTEMPTS, free_port

from mlbcore.notebook.pages import PAGES, page_url

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
WIDTHS = {1440: 1160, 390: 844}  # viewport width: height
BUSY = """() => document.querySelector('#App[data-connection-state="OPEN"]') === null
    || document.querySelectorAll('[data-status="running"], [data-status="queued"]').length > 0
    || document.querySelectorAll('.animate-spin').length > 0
    || document.body.innerText.includes('Loading chart')"""
# What a page shows once its first job is done (the others show their controls at once).
READY = {"home": "Back ends", "slate": "Download the slate"}
SIDEWAYS = "() => document.documentElement.scrollWidth > window.innerWidth + 1"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url):
            return True
    except (urllib.error.URLError, OSError):
        return False


def _settled(page, name: str) -> None:
    """Until the page's first job has shown its result, then nothing has been busy and
    the page's text has not changed for two seconds (cells run one after another)."""
    if name in READY:
        page.get_by_text(READY[name]).first.wait_for(timeout=0)
    quiet_since, text, started = None, None, time.monotonic()
    # A page that keeps ticking (replay's progress) never goes quiet: 30 s is enough.
    while (quiet_since is None or time.monotonic() - quiet_since < 2.0) and (
        time.monotonic() - started < 30
    ):
        now = page.evaluate("() => document.body.innerText")
        if page.evaluate(BUSY) or now != text:
            quiet_since, text = None, now
        elif quiet_since is None:
            quiet_since = time.monotonic()
        page.wait_for_timeout(250)


def main() -> int:
    state = Path(tempfile.mkdtemp(prefix="mlb-screenshots-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "MLFLOW_"))}
    env |= {"MLB_STATE_DIR": str(state), "PROMOTION__ENABLED": "false"}
    mlb = [sys.executable, "-m", "mlbcore.cli.main"]
    subprocess.run([*mlb, "train", "--as-of", "2016-09-01"], env=env, check=True)
    for _ in range(PORT_ATTEMPTS):
        port = free_port()
        server = subprocess.Popen([*mlb, "app", "--port", str(port)], env=env)
        base = f"http://127.0.0.1:{port}"
        while server.poll() is None and not _answers(f"{base}/health"):
            time.sleep(0.1)
        if server.poll() is None:
            break
    else:
        print("no free port for the app", file=sys.stderr)
        return 1
    sideways = []
    try:
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
            )
            for width, height in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                for shown in PAGES:
                    page.goto(base + page_url(shown, gallery=False).rstrip("/") + "/")
                    _settled(page, shown.name)
                    if width < 500 and page.evaluate(SIDEWAYS):
                        sideways.append(shown.name)
                    page.screenshot(path=OUT / f"{shown.name}-{width}.png", full_page=True)
                    print(f"{shown.name} at {width} px", flush=True)
                context.close()
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    if sideways:
        print(f"scrolls sideways at 390 px: {', '.join(sideways)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
