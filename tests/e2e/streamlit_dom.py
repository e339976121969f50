"""Small, bounded helpers to drive a Streamlit page with Playwright (sync API)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

STEP_TIMEOUT_MS = 30_000
RUNNING = '[data-testid="stStatusWidget"]'
SPINNER = '[data-testid="stSpinner"]'
# app.py draws its own sidebar links (st.page_link); Streamlit's menu is hidden.
NAV_LINK = '[data-testid="stPageLink-NavLink"], [data-testid="stSidebarNavLink"]'


def settle(page: Any, timeout: int = STEP_TIMEOUT_MS) -> None:
    """Wait until the app is loaded and no script run or spinner is in progress."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        "([running, spinner]) => !document.querySelector(running)"
        " && !document.querySelector(spinner)",
        arg=[RUNNING, SPINNER],
        timeout=timeout,
    )


def sign_in(page: Any, base_url: str, key: str) -> None:
    """Open the app and sign in with an API key, by keyboard (type the key, press Enter).

    The app sends a browser without a session to the server's sign-in form and back.
    """
    page.goto(base_url + "/", timeout=STEP_TIMEOUT_MS)
    box = page.get_by_label("API key", exact=True)
    box.wait_for(timeout=STEP_TIMEOUT_MS)
    box.fill(key)
    box.press("Enter")
    page.get_by_text("Signed in as").wait_for(timeout=STEP_TIMEOUT_MS)
    settle(page)


def open_page(page: Any, title: str, heading: str | re.Pattern[str]) -> None:
    """Go to a page through the sidebar (keeps the session) and wait for its heading."""
    page.locator(NAV_LINK, has_text=title).first.click()
    page.get_by_role("heading", name=heading).first.wait_for(timeout=STEP_TIMEOUT_MS)
    settle(page)


def choose(page: Any, label: str, option: str | re.Pattern[str]) -> None:
    """Pick an option of the select box with this label."""
    box = page.locator('[data-testid="stSelectbox"]', has_text=label).first
    box.click()
    page.get_by_role("option", name=option).first.click(timeout=STEP_TIMEOUT_MS)
    settle(page)


def alert_text(page: Any) -> str:
    """The text of every alert (success/info/warning/error box) on the page."""
    return " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())


def assert_no_exception(page: Any) -> None:
    """Streamlit shows uncaught exceptions in stException blocks: there must be none."""
    traces = page.locator('[data-testid="stException"]')
    assert traces.count() == 0, traces.first.inner_text()
    assert "Something went wrong on this page" not in alert_text(page), alert_text(page)


def screenshot(page: Any, artifacts: Path, name: str, docs: Path | None = None) -> Path:
    """Save a viewport PNG under artifacts/; also copy it to docs/ when docs is given."""
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path), timeout=STEP_TIMEOUT_MS)
    if docs is not None:
        docs.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, docs / f"{name.split('-', 1)[-1]}.png")
    return path
