"""Real browser: a rubric of two questions answered by keyboard only (number keys, Tab, Enter)."""

from __future__ import annotations

import tempfile
from pathlib import Path

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


FOCUS_IN_FORM = (
    "() => document.activeElement && document.activeElement.closest("
    "'[data-testid=\"stForm\"]') !== null"
)

# The previous item's form is gone (Streamlit drops stale elements when its run ends).
ONE_FRESH_FORM = (
    "() => document.querySelectorAll('[data-testid=\"stForm\"]').length === 1"
    ' && !document.querySelector(\'[data-testid="stForm"] [data-stale="true"]\')'
)


def test_rubric_labelling_by_keyboard_only(live_server: LiveServer, artifacts: Path) -> None:
    """Focus starts on the first question; 2 picks fail, Tab moves on, 3 picks 3, Enter saves;
    the next item starts blank, ↓ moves between questions."""
    from playwright.sync_api import sync_playwright

    run_id = live_server.api("GET", "/v1/runs")["runs"][0]["run_id"]
    cases = live_server.api("GET", f"/v1/runs/{run_id}/cases")["cases"][:2]
    queue = live_server.api("POST", "/v1/annotations/queues", {"name": "rubric-kbd"})
    live_server.api(
        "POST",
        "/v1/annotations/queues/items",
        {"queue_id": queue["queue_id"], "target_ids": [f"{run_id}:{c['case_id']}" for c in cases]},
    )
    live_server.api(
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
            # Right after picking the queue the focus may still be on the Queue box: the first
            # number key answers the first question all the same (not the box's search field).
            page.keyboard.press("2")  # verdict: fail
            page.wait_for_function(FOCUS_IN_FORM, timeout=STEP_TIMEOUT_MS)
            assert page.get_by_role("radio", name="fail").is_checked()
            page.keyboard.press("Tab")  # to the coherence question
            page.keyboard.press("3")  # coherence: 3 (coherent)
            screenshot(page, artifacts, "07-rubric-keyboard")
            page.keyboard.press("Enter")
            page.get_by_text("Saved answers for item").wait_for(timeout=STEP_TIMEOUT_MS)
            settle(page)
            assert_no_exception(page)
            # The next item remembers nothing: no option picked, focus back on question 1.
            page.wait_for_function(ONE_FRESH_FORM, timeout=STEP_TIMEOUT_MS)
            page.wait_for_function(FOCUS_IN_FORM, timeout=STEP_TIMEOUT_MS)
            assert page.locator('[data-testid="stForm"] input[type="radio"]:checked').count() == 0
            page.keyboard.press("1")  # verdict: pass
            page.keyboard.press("ArrowDown")  # to the coherence question
            page.keyboard.press("1")  # coherence: 1 (incoherent)
            page.keyboard.press("Enter")
            page.get_by_text("Queue finished").wait_for(timeout=STEP_TIMEOUT_MS)
            assert_no_exception(page)
        except Exception:
            screenshot(page, artifacts, "99-failure-rubric")
            raise
        finally:
            browser.close()
    rows = live_server.api(
        "GET", f"/v1/runs/{run_id}/answers?layout=long&queue_id={queue['queue_id']}"
    )["rows"]
    by_case: dict[str, dict[str, object]] = {}
    for r in rows:
        by_case.setdefault(r["case_id"], {})[r["question"]] = r["value"]
    # Claims hand out the two items in either order; each got one full set of answers.
    assert set(by_case) == {c["case_id"] for c in cases}
    answered = sorted((a["verdict"], a["coherence"]) for a in by_case.values())
    assert answered == [("fail", 3.0), ("pass", 1.0)]


def test_task_rubric_answered_by_keyboard_on_the_tasks_page(
    live_server: LiveServer, artifacts: Path
) -> None:
    """The Tasks page uses the same form and keys: 1 picks pass, ↓ moves on, 2 picks 2, Enter."""
    from playwright.sync_api import sync_playwright

    run_id = live_server.api("GET", "/v1/runs")["runs"][0]["run_id"]
    cases = live_server.api("GET", f"/v1/runs/{run_id}/cases")["cases"][:1]
    task = live_server.api(
        "POST",
        "/annotations/tasks",
        {"name": "rubric-task", "traceIds": [c["trace_id"] for c in cases]},
    )
    live_server.api("PUT", f"/v1/annotations/tasks/{task['id']}/rubric", {"questions": RUBRIC})
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = launch_chromium(p, Path(profile))
        page = browser.pages[0] if browser.pages else browser.new_page()
        try:
            sign_in(page, live_server.base_url, live_server.keys["alice"])
            open_page(page, "Tasks", "Tasks")
            page.get_by_text("Submit answers").wait_for(timeout=STEP_TIMEOUT_MS)
            settle(page)
            assert_no_exception(page)
            # Arriving from the sidebar, the focus moves to the first question by itself.
            page.wait_for_function(FOCUS_IN_FORM, timeout=STEP_TIMEOUT_MS)
            page.keyboard.press("1")  # verdict: pass
            page.keyboard.press("ArrowDown")  # to the coherence question
            page.keyboard.press("2")  # coherence: 2
            screenshot(page, artifacts, "08-task-rubric-keyboard")
            page.keyboard.press("Enter")
            page.get_by_text("All 1 items are labelled").wait_for(timeout=STEP_TIMEOUT_MS)
            assert_no_exception(page)
        except Exception:
            screenshot(page, artifacts, "99-failure-task-rubric")
            raise
        finally:
            browser.close()
    item = live_server.api("GET", f"/annotations/tasks/{task['id']}")["items"][0]
    assert item["answers"] == {"verdict": "pass", "coherence": 2.0}
    assert item["labeledBy"] == "alice" and item["rubricVersion"] == 1
