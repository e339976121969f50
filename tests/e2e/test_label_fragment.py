"""Issue #20 in a real browser: labelling reruns only the item's fragment yet keeps every rule
(progress, Skip, Undo, the lease timer, the session check), a page file's path as an address
opens the page, and a PNG renamed .csv is refused in EvalGuard's words."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import LiveServer, launch_chromium
from tests.e2e.streamlit_dom import (
    STEP_TIMEOUT_MS,
    alert_text,
    assert_no_exception,
    open_page,
    settle,
    sign_in,
)

ITEM_RE = r"Item (\d+) · case (\S+)"
N_ITEMS = 6


def _queue(server: LiveServer, name: str) -> str:
    """A queue of the demo run's first N_ITEMS cases, made through the API."""
    api = server.base_url + "/api"
    admin = {"Authorization": f"Bearer {server.keys['admin']}"}
    run_id = httpx.get(f"{api}/v1/runs", headers=admin).json()["runs"][0]["run_id"]
    queue = httpx.post(f"{api}/v1/annotations/queues", json={"name": name}, headers=admin).json()
    cases = httpx.get(f"{api}/v1/runs/{run_id}/cases?limit={N_ITEMS}", headers=admin).json()
    httpx.post(
        f"{api}/v1/annotations/queues/items",
        json={"queue_id": queue["queue_id"], "target_ids": [c["trace_id"] for c in cases["cases"]]},
        headers=admin,
    ).raise_for_status()
    return str(queue["queue_id"])


def _labels(server: LiveServer, queue_id: str) -> int:
    """How many labels the queue holds (asked through the API)."""
    admin = {"Authorization": f"Bearer {server.keys['admin']}"}
    got = httpx.get(f"{server.base_url}/api/v1/annotations/queues/{queue_id}", headers=admin)
    return int(got.json()["progress"]["annotations"])


def _item(page: Any) -> str:
    """The id of the item on screen."""
    page.wait_for_function(
        "(p) => new RegExp(p).test(document.body.innerText)", arg=ITEM_RE, timeout=STEP_TIMEOUT_MS
    )
    settle(page)
    match = re.search(ITEM_RE, page.locator("body").inner_text())
    assert match
    return match.group(1)


def _press_for_next(page: Any, key: str, before: str) -> str:
    """Press a shortcut and wait until another item than `before` is on screen."""
    page.keyboard.press(key)
    page.wait_for_function(
        "([p, prev]) => { const m = document.body.innerText.match(new RegExp(p));"
        " return m && m[1] !== prev; }",
        arg=[ITEM_RE, before],
        timeout=STEP_TIMEOUT_MS,
    )
    return _item(page)


def test_label_skip_undo_and_a_signed_out_session_in_the_fragment(
    live_server: LiveServer,
) -> None:
    from playwright.sync_api import sync_playwright

    queue_id = _queue(live_server, "fragment review")
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = launch_chromium(p, Path(profile))
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            sign_in(page, live_server.base_url, live_server.keys["alice"])
            open_page(page, "Label", "Label")
            first = _item(page)
            assert re.fullmatch(r"\d+:\d\d", page.get_by_test_id("eg-lease-left").inner_text())
            second = _press_for_next(page, "1", first)
            assert _labels(live_server, queue_id) == 1
            assert "1 of 6 done, 1 by you" in page.locator("body").inner_text()
            third = _press_for_next(page, "s", second)  # skip: nothing saved
            assert _labels(live_server, queue_id) == 1
            back = _press_for_next(page, "u", third)  # undo: the labelled item comes back
            assert back == first
            assert "taken back" in alert_text(page)
            assert _labels(live_server, queue_id) == 0
            assert "verdict" not in page.locator("body").inner_text().lower()
            assert_no_exception(page)

            # The session ends in another tab; this tab's next key is refused, not saved.
            other = browser.new_page()
            other.goto(live_server.base_url + "/", timeout=STEP_TIMEOUT_MS)
            other.get_by_role("button", name="Sign out").click(timeout=STEP_TIMEOUT_MS)
            other.get_by_text("Sign in with an API key").first.wait_for(timeout=STEP_TIMEOUT_MS)
            page.keyboard.press("1")
            page.get_by_text("Sign in with an API key").first.wait_for(timeout=STEP_TIMEOUT_MS)
            assert _labels(live_server, queue_id) == 0
        finally:
            browser.close()


def test_a_page_files_path_typed_as_an_address_opens_the_page(live_server: LiveServer) -> None:
    from playwright.sync_api import sync_playwright

    answer = httpx.get(f"{live_server.base_url}/pages/label.py?from=docs")
    assert answer.status_code == 307 and answer.headers["location"] == "/label?from=docs"
    assert httpx.get(f"{live_server.base_url}/pages/home.py").headers["location"] == "/"
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = launch_chromium(p, Path(profile))
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            sign_in(page, live_server.base_url, live_server.keys["alice"])
            page.goto(f"{live_server.base_url}/pages/label.py", timeout=STEP_TIMEOUT_MS)
            page.get_by_role("heading", name="Label").first.wait_for(timeout=STEP_TIMEOUT_MS)
            settle(page)
            assert page.url.endswith("/label")
            assert_no_exception(page)
        finally:
            browser.close()


def test_a_png_renamed_csv_is_refused_in_evalguards_words(
    live_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    from tests.api.test_wrong_content_uploads import png_bytes

    picture = tmp_path / "results.csv"
    picture.write_bytes(png_bytes())
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = launch_chromium(p, Path(profile))
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            sign_in(page, live_server.base_url, live_server.keys["admin"])
            open_page(page, "Runs", "Runs")
            page.get_by_text("Import an eval run").click()
            uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
            uploader.set_input_files(str(picture))
            page.get_by_text("this is a PNG image").first.wait_for(timeout=STEP_TIMEOUT_MS)
            settle(page)
            shown = alert_text(page)
            assert "results.csv: this is a PNG image, not an eval-results file" in shown
            assert "/tmp/" not in shown and "codec" not in shown and "Error:" not in shown
            assert_no_exception(page)
        finally:
            browser.close()


def test_every_page_leaves_no_deprecation_warning_in_the_server_log(
    live_server: LiveServer,
) -> None:
    from playwright.sync_api import sync_playwright

    _queue(live_server, "log review")
    # Headings as patterns: other issues retitle pages; the sidebar link is what matters.
    pages = [
        ("Home", "EvalGuard"),
        ("Runs", "Runs"),
        ("Queues", re.compile("queues", re.I)),
        ("Label", "Label"),
        ("Alignment", re.compile("alignment", re.I)),
        ("Tasks", "Tasks"),
        ("Bootstrap", re.compile("Bootstrap")),
        ("API keys", "API keys"),
    ]
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = launch_chromium(p, Path(profile))
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            sign_in(page, live_server.base_url, live_server.keys["admin"])
            for title, heading in pages:
                open_page(page, title, heading)
                assert_no_exception(page)
            open_page(page, "Runs", "Runs")  # and the Runs page's importer
            page.get_by_text("Import an eval run").click()
            settle(page)
        finally:
            browser.close()
    log = live_server.log.read_text(errors="replace")
    # Streamlit words them "Please replace `x` with `y`. ... will be removed after <date>".
    words = ("deprecat", "please replace", "will be removed")
    noisy = [line for line in log.splitlines() if any(w in line.lower() for w in words)]
    assert noisy == [], "\n".join(noisy[:5])
