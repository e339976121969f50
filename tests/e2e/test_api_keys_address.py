"""The API reference's "Generate API keys at /dashboard/api-keys" works in a real browser: the
address opens the API keys page for an admin; an annotator who opens it is told why not."""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import LiveServer, launch_chromium
from tests.e2e.streamlit_dom import STEP_TIMEOUT_MS, alert_text, assert_no_exception, settle

pytestmark = pytest.mark.e2e


def test_the_documented_address_redirects_to_the_keys_page(live_server: LiveServer) -> None:
    answer = httpx.get(f"{live_server.base_url}/dashboard/api-keys?from=docs")
    assert answer.status_code == 307 and answer.headers["location"] == "/keys?from=docs"
    page = httpx.get(f"{live_server.base_url}/dashboard/api-keys", follow_redirects=True)
    assert page.status_code == 200 and str(page.url).endswith("/keys")


def _sign_in_at(page: object, url: str, key: str) -> None:
    """Open `url`, sign in there with `key` (the address is kept), wait for the rerun."""
    page.goto(url, timeout=STEP_TIMEOUT_MS)  # type: ignore[attr-defined]
    box = page.get_by_label("API key", exact=True)  # type: ignore[attr-defined]
    box.wait_for(timeout=STEP_TIMEOUT_MS)
    box.fill(key)
    box.press("Enter")
    page.get_by_text("Signed in as").first.wait_for(timeout=STEP_TIMEOUT_MS)  # type: ignore[attr-defined]
    settle(page)


@pytest.mark.parametrize(("user", "sees"), [("admin", "Create key"), ("alice", "admin role")])
def test_dashboard_api_keys_opens_the_page_or_says_why_not(
    live_server: LiveServer, user: str, sees: str
) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = launch_chromium(p, Path(profile))
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            _sign_in_at(page, f"{live_server.base_url}/dashboard/api-keys", live_server.keys[user])
            assert page.url.split("?")[0].endswith("/keys"), page.url
            page.get_by_role("heading", name="API keys").first.wait_for(timeout=STEP_TIMEOUT_MS)
            assert_no_exception(page)
            if user == "admin":
                page.get_by_role("button", name=sees).wait_for(timeout=STEP_TIMEOUT_MS)
            else:
                page.get_by_text("This page needs the admin role").wait_for(timeout=STEP_TIMEOUT_MS)
                text = alert_text(page)
                assert "This page needs the admin role" in text, text
                assert "annotator" in text
                assert page.get_by_role("button", name="Create key").count() == 0
        finally:
            browser.close()
