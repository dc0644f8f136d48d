"""`mlb app`: home is the landing page at /, every other page at /{name}, and each page's
top navigation links the way the page was reached (the app's paths, or marimo's gallery)."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from servers import PORT_ATTEMPTS, free_port

from mlbcore.notebook.pages import NOTEBOOKS, PAGES, navigation


def test_every_page_has_its_notebook_and_home_comes_first():
    assert PAGES[0].name == "home"
    assert sorted(p.name for p in PAGES) == sorted(
        f.stem for f in NOTEBOOKS.glob("*.py") if not f.name.startswith("_")
    )


def test_the_navigation_links_the_app_paths_or_the_gallery_files():
    served = navigation("slate")
    assert 'href="/"' in served and 'href="/evaluate"' in served
    assert 'aria-current="page"' in served.split("Slate</a>")[0].rsplit("<a ", 1)[1]
    gallery = navigation("home", {"file": "home.py"})
    assert 'href="?file=slate.py"' in gallery and 'href="/slate"' not in gallery
    assert "flex-wrap:wrap" in served  # links wrap on a phone instead of scrolling sideways


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""
    except urllib.error.URLError:  # not listening yet
        return 0, ""


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "MLFLOW_"))}
    env["MLB_STATE_DIR"] = str(tmp_path_factory.mktemp("app-server-state"))
    log = tmp_path_factory.mktemp("app-server") / "app.log"
    for _ in range(PORT_ATTEMPTS):
        port = free_port()
        command = [sys.executable, "-m", "mlbcore.cli.main", "app", "--port", str(port)]
        with log.open("w") as output:
            server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        while server.poll() is None and _get(f"{base}/health")[0] != 200:
            time.sleep(0.1)
        if server.poll() is None:
            break
        assert "address already in use" in log.read_text().lower(), log.read_text()
    else:
        pytest.fail(f"no free port in {PORT_ATTEMPTS} tries")
    yield base
    server.terminate()
    server.wait()
    said = log.read_text()
    assert "Traceback" not in said and "Logging error" not in said, said


def test_home_is_the_landing_page_and_every_page_has_its_path(app):
    status, html = _get(f"{app}/")
    assert status == 200 and "<title>MLB models</title>" in html
    for page in PAGES[1:]:
        status, html = _get(f"{app}/{page.name}/")
        assert status == 200 and "<title>" in html, page.name
    assert _get(f"{app}/nope/")[0] == 404


def test_an_unreadable_token_file_is_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "mlbcore.cli.main", "app", "--token-password-file",
         str(tmp_path / "missing")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "--token-password-file" in done.stderr
    assert not Path(tmp_path / "missing").exists()


def test_home_lists_every_other_page_with_its_question():
    from mlbcore.notebook.pages import page_index

    listed = page_index()
    assert all(f'href="/{p.name}"' in listed and p.question in listed for p in PAGES[1:])
    assert 'href="?file=slate.py"' in page_index({"file": "home.py"})
