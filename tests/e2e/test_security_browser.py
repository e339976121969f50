"""Issue #14 in a real browser: sign-in that survives reloads and deep links, sign-out and
revocation that end the session at once, a sidebar without secrets, inert user Markdown."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import LiveServer, launch_chromium
from tests.e2e.streamlit_dom import (
    NAV_LINK,
    STEP_TIMEOUT_MS,
    assert_no_exception,
    open_page,
    settle,
    sign_in,
)

PIXEL_HOST = "127.0.0.2"  # another origin: nothing may be fetched from it


def _sign_in_at(page: Any, url: str, key: str) -> None:
    """Open a deep link, get the sign-in form, sign in with the keyboard."""
    page.goto(url, timeout=STEP_TIMEOUT_MS)
    box = page.get_by_label("API key", exact=True)
    box.wait_for(timeout=STEP_TIMEOUT_MS)
    box.fill(key)
    box.press("Enter")
    page.get_by_text("Signed in as").wait_for(timeout=STEP_TIMEOUT_MS)
    settle(page)


def _sidebar(page: Any) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text()


def test_deep_link_reload_sign_out_and_a_blind_sidebar(live_server: LiveServer) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = launch_chromium(p, Path(profile))
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            # 1. A deep link to /label survives sign-in and then a reload (F5).
            _sign_in_at(page, live_server.base_url + "/label", live_server.keys["alice"])
            assert page.url.endswith("/label")
            page.get_by_role("heading", name="Label").first.wait_for(timeout=STEP_TIMEOUT_MS)
            page.reload()
            page.get_by_text("Signed in as").wait_for(timeout=STEP_TIMEOUT_MS)
            page.get_by_role("heading", name="Label").first.wait_for(timeout=STEP_TIMEOUT_MS)
            assert_no_exception(page)
            cookie = next(c for c in browser.cookies() if c["name"] == "evalguard_session")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
            assert "evalguard_session" not in page.evaluate("document.cookie")
            # 5. A rater's sidebar: its pages only, no admin links, no file paths.
            side = _sidebar(page)
            assert "Label" in side and "API keys" not in side and "Alignment" not in side
            assert ".duckdb" not in page.content() and "pages/" not in side
            # Sign out: the sidebar changes at once, and a reload asks to sign in again.
            page.get_by_role("button", name="Sign out").click()
            page.get_by_text("Sign in with an API key").first.wait_for(timeout=STEP_TIMEOUT_MS)
            assert "Signed in as" not in _sidebar(page)
            assert page.locator(NAV_LINK).count() == 0
            page.reload()
            page.get_by_label("API key", exact=True).wait_for(timeout=STEP_TIMEOUT_MS)
            assert "/auth/sign-in" in page.url
        finally:
            browser.close()


def test_revoking_a_key_signs_its_open_tab_out(live_server: LiveServer) -> None:
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory() as admin_profile,
        tempfile.TemporaryDirectory() as bob_profile,
        sync_playwright() as p,
    ):
        admin_browser = launch_chromium(p, Path(admin_profile))
        bob_browser = launch_chromium(p, Path(bob_profile))
        try:
            bob = bob_browser.pages[0] if bob_browser.pages else bob_browser.new_page()
            sign_in(bob, live_server.base_url, live_server.keys["bob"])
            admin = admin_browser.pages[0] if admin_browser.pages else admin_browser.new_page()
            sign_in(admin, live_server.base_url, live_server.keys["admin"])
            open_page(admin, "API keys", "API keys")
            revoke = admin.locator('[data-testid="stSelectbox"]', has_text="Revoke a key").first
            revoke.click()
            admin.get_by_role("option", name="bob").first.click(timeout=STEP_TIMEOUT_MS)
            admin.get_by_role("button", name="Revoke").click()
            admin.get_by_text("Revoked").first.wait_for(timeout=STEP_TIMEOUT_MS)
            # bob's tab is still open; its next interaction finds the session over.
            bob.locator(NAV_LINK, has_text="Runs").first.click()
            bob.get_by_text("Sign in with an API key").first.wait_for(timeout=STEP_TIMEOUT_MS)
            assert "Signed in as" not in _sidebar(bob)
        finally:
            admin_browser.close()
            bob_browser.close()


def test_markdown_from_users_fetches_nothing_from_other_origins(live_server: LiveServer) -> None:
    from playwright.sync_api import sync_playwright

    api = live_server.base_url + "/api"
    admin = {"Authorization": f"Bearer {live_server.keys['admin']}"}
    run_id = httpx.get(f"{api}/v1/runs", headers=admin).json()["runs"][0]["run_id"]
    pixel = f"http://{PIXEL_HOST}:9/p.png"
    queue = httpx.post(
        f"{api}/v1/annotations/queues",
        json={"name": f"Pixel ![q]({pixel}?q)", "instructions": f"Read ![i]({pixel}?i) first"},
        headers=admin,
    ).json()
    cases = httpx.get(f"{api}/v1/runs/{run_id}/cases?limit=3", headers=admin).json()["cases"]
    httpx.post(
        f"{api}/v1/annotations/queues/items",
        json={"queue_id": queue["queue_id"], "target_ids": [c["trace_id"] for c in cases]},
        headers=admin,
    ).raise_for_status()
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = launch_chromium(p, Path(profile))
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            foreign: list[str] = []
            page.on(
                "request",
                lambda r: (
                    foreign.append(r.url)
                    if not r.url.startswith((live_server.base_url, "data:", "blob:"))
                    else None
                ),
            )
            _sign_in_at(page, live_server.base_url + "/label", live_server.keys["alice"])
            page.get_by_text("Read").first.wait_for(timeout=STEP_TIMEOUT_MS)
            page.get_by_role("link", name="Home").first.click()
            settle(page)
            assert_no_exception(page)
            assert page.locator(f'img[src*="{PIXEL_HOST}"]').count() == 0
            assert foreign == []
            csp = httpx.get(live_server.base_url + "/auth/sign-in").headers
            assert "img-src 'self' data: blob:" in csp["content-security-policy"]
        finally:
            browser.close()
