"""The Runs page uploader in a real browser: a foreign file is detected and its mapping shown
before anything is written; Import then creates the run."""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import SHARED
from tests.e2e.conftest import LiveServer, launch_chromium
from tests.e2e.streamlit_dom import (
    STEP_TIMEOUT_MS,
    alert_text,
    assert_no_exception,
    open_page,
    settle,
    sign_in,
)


def test_uploader_previews_a_deepeval_run_then_imports(live_server: LiveServer) -> None:
    from playwright.sync_api import sync_playwright

    sample = SHARED / "data" / "formats" / "deepeval" / "test_run_sample.json"
    if not sample.exists():
        pytest.skip(f"{sample} is absent (shared format samples)")
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = launch_chromium(p, Path(profile))
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            sign_in(page, live_server.base_url, live_server.keys["admin"])
            open_page(page, "Runs", "Runs")
            page.get_by_text("Import an eval run").click()
            page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
                str(sample)
            )
            page.get_by_text("Detected format:").wait_for(timeout=STEP_TIMEOUT_MS)
            settle(page)
            body = page.locator("body").inner_text()
            assert "deepeval" in body and "Answer Relevancy" in body and "1 cases" in body
            assert_no_exception(page)
            page.get_by_role("button", name="Import").click(timeout=STEP_TIMEOUT_MS)
            page.get_by_text("Imported 1 cases").wait_for(timeout=STEP_TIMEOUT_MS)
            settle(page)
            assert "deepeval" in alert_text(page)
            assert_no_exception(page)
        finally:
            browser.close()
    # the server holds the store: the API shows the run
    listed = httpx.get(
        f"{live_server.base_url}/api/v1/runs",
        headers={"Authorization": f"Bearer {live_server.keys['admin']}"},
        timeout=30,
    ).json()["runs"]
    assert any(r["name"] == "test_run_sample" for r in listed)
