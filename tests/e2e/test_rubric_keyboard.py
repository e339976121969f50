"""Real browser: a rubric of two questions answered by keyboard only (number keys, Tab, Enter)."""

from __future__ import annotations

import json
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, launch_chromium
from tests.e2e.streamlit_dom import (
    STEP_TIMEOUT_MS,
    assert_no_exception,
    choose,
    open_page,
    screenshot,
    settle,
    sign_in,
)

RUBRIC = [
    {"name": "verdict", "kind": "single_choice", "options": ["pass", "fail"]},
    {
        "name": "coherence",
        "kind": "rating",
        "scale_min": 1,
        "scale_max": 3,
        "min_label": "incoherent",
        "max_label": "coherent",
    },
]


def _api(server: LiveServer, method: str, path: str, body: Any = None) -> Any:
    """Call the live server's REST API as the admin (127.0.0.1 only)."""
    req = urllib.request.Request(
        f"{server.base_url}/api{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {server.keys['admin']}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


@pytest.mark.xfail(
    reason="issue 19 open point: the first number key lands in the comment box, not on the "
    "first question (focus placement on Streamlit 1.67 radios in a form); strict=False so the "
    "test reports XPASS once it works",
    strict=False,
)
def test_rubric_labelling_by_keyboard_only(live_server: LiveServer, artifacts: Path) -> None:
    """Focus starts on the first question; 2 picks fail, Tab moves on, 3 picks 3, Enter saves."""
    from playwright.sync_api import sync_playwright

    run_id = _api(live_server, "GET", "/v1/runs")["runs"][0]["run_id"]
    cases = _api(live_server, "GET", f"/v1/runs/{run_id}/cases")["cases"][:2]
    queue = _api(live_server, "POST", "/v1/annotations/queues", {"name": "rubric-kbd"})
    _api(
        live_server,
        "POST",
        "/v1/annotations/queues/items",
        {"queue_id": queue["queue_id"], "target_ids": [f"{run_id}:{c['case_id']}" for c in cases]},
    )
    _api(
        live_server,
        "PUT",
        f"/v1/annotations/queues/{queue['queue_id']}/rubric",
        {"questions": RUBRIC},
    )
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = launch_chromium(p, Path(profile))
        page = browser.pages[0] if browser.pages else browser.new_page()
        try:
            sign_in(page, live_server.base_url, live_server.keys["alice"])
            open_page(page, "Label", "Label")
            choose(page, "Queue", "rubric-kbd")
            page.get_by_text("Submit answers").wait_for(timeout=STEP_TIMEOUT_MS)
            settle(page)
            assert_no_exception(page)
            # The first question has the focus once the script placed it.
            page.wait_for_function(
                "() => document.activeElement && document.activeElement.closest("
                "'[data-testid=\"stForm\"]') !== null",
                timeout=STEP_TIMEOUT_MS,
            )
            page.keyboard.press("2")  # verdict: fail
            page.keyboard.press("Tab")  # to the coherence question
            page.keyboard.press("3")  # coherence: 3 (coherent)
            screenshot(page, artifacts, "07-rubric-keyboard")
            page.keyboard.press("Enter")
            page.get_by_text("Saved answers").wait_for(timeout=STEP_TIMEOUT_MS)
            settle(page)
            assert_no_exception(page)
        except Exception:
            screenshot(page, artifacts, "99-failure-rubric")
            raise
        finally:
            browser.close()
    rows = _api(
        live_server, "GET", f"/v1/runs/{run_id}/answers?layout=long&queue_id={queue['queue_id']}"
    )["rows"]
    assert sorted((r["question"], r["value"]) for r in rows) == [
        ("coherence", 3.0),
        ("verdict", "fail"),
    ]
