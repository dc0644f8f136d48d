"""The app's pages and the navigation at the top of each.

Served by `mlb app`, home is ``/`` and every other page ``/{name}``; served as a gallery
by `marimo run notebooks/`, a page is ``?file={name}.py``. The navigation links the way
the page itself was reached, so it works either way.
"""

import html
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Page:
    name: str  # the notebook's file stem and its path under `mlb app`
    title: str
    question: str  # what the page answers, for the navigation's tooltip


PAGES = (
    Page("home", "Home", "is everything up, and how is each model doing?"),
    Page("slate", "Slate", "which games do I bet today?"),
    Page("evaluate", "Evaluate", "does my model beat the market?"),
    Page("train", "Train", "train, compare with the champion, promote or roll back"),
    Page("drift", "Drift", "has what the model sees changed?"),
    Page("schedule", "Schedules", "should I retrain, and when does it run?"),
    Page("replay", "Replay", "how would a retraining policy have done over a season?"),
    Page("tune", "Tune", "which LightGBM settings score best, walked forward?"),
)
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def page_url(page: Page, gallery: bool) -> str:
    if gallery:
        return f"?file={page.name}.py"
    return "/" if page.name == "home" else f"/{page.name}"


def navigation(current: str, query: dict[str, object] | None = None) -> str:
    """The top navigation as HTML: one link per page, the current one marked. ``query``
    is the page's query parameters (``mo.query_params()``): a ``file`` among them means
    the page is served in marimo's gallery. The links wrap on a narrow screen."""
    gallery = bool(query and query.get("file"))
    links = [
        f'<a href="{html.escape(page_url(page, gallery))}" title="{html.escape(page.question)}"'
        + (
            ' aria-current="page" style="font-weight:700;text-decoration:none;"'
            if page.name == current
            else ' style="text-decoration:none;"'
        )
        + f">{html.escape(page.title)}</a>"
        for page in PAGES
    ]
    return (
        '<nav aria-label="pages" style="display:flex;flex-wrap:wrap;gap:0.4rem 1.1rem;'
        'padding:0.3rem 0 0.6rem;border-bottom:1px solid #ddd;margin-bottom:0.6rem;">'
        + "".join(links)
        + "</nav>"
    )


def page_index(query: dict[str, object] | None = None) -> str:
    """Every page but home with the question it answers, as HTML links (home's list)."""
    gallery = bool(query and query.get("file"))
    items = "".join(
        f'<li><a href="{html.escape(page_url(page, gallery))}">{html.escape(page.title)}</a>: '
        f"{html.escape(page.question)}</li>"
        for page in PAGES[1:]
    )
    return f"<p><strong>Pages</strong></p><ul>{items}</ul>"
