"""AppTest fixtures: a temporary store that the pages open through EVALGUARD_DB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evalguard_core.store import Store, reset_store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def ui_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The shared store the pages will use (demo seeding off; tests add their own data)."""
    db = tmp_path / "ui.duckdb"
    monkeypatch.setenv("EVALGUARD_DB", str(db))
    monkeypatch.setenv("EVALGUARD_DEMO", "0")
    from evalguard_core.serving import open_server_store

    store = open_server_store(db)
    yield store
    reset_store()


def page_path(name: str) -> str:
    """Absolute path of a page file."""
    return str(REPO / "pages" / name)


@pytest.fixture
def served_like_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTest of app.py as server.py serves it: never Streamlit's pages/ (multipage v1) mode.

    AppTest re-derives `uses_pages_directory` on every run; server.py turns it off once.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
