"""`mlb app`: the notebooks as one web app, home at ``/`` and each other page at
``/{name}`` (`marimo run notebooks/` shows an alphabetical gallery instead, with home
third). marimo's ASGI app, served by uvicorn, bound to loopback unless told otherwise;
only the notebooks listed in ``pages.PAGES`` are served."""

from pathlib import Path
from typing import Any

from mlbcore.errors import MlbError
from mlbcore.notebook.pages import NOTEBOOKS, PAGES


def app_server(notebooks: Path = NOTEBOOKS, token: str | None = None) -> Any:
    """The ASGI app serving each page's notebook (marimo's run mode: code hidden)."""
    import marimo

    missing = [p.name for p in PAGES if not (notebooks / f"{p.name}.py").is_file()]
    if missing:
        raise MlbError(f"{notebooks} lacks the notebooks {', '.join(missing)}: is it a clone?")
    server = marimo.create_asgi_app(quiet=True, token=token)
    for page in PAGES:
        path = "/" if page.name == "home" else f"/{page.name}"
        server = server.with_app(path=path, root=str(notebooks / f"{page.name}.py"))
    return server.build()


def serve(host: str, port: int, token: str | None = None) -> None:
    """Serve the app until interrupted."""
    import uvicorn

    # Open pages keep websockets to their sessions: on Ctrl-C or SIGTERM, close them after
    # a few seconds rather than wait for every browser to leave.
    uvicorn.run(
        app_server(token=token),
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=3,
    )
