"""Lifecycle in a real browser (Debian chromium through Playwright): a rater labels an item and
takes it back with the `U` key; the admin archives a queue, then deletes a run behind its
confirmation. Each step is checked against the REST API and leaves a screenshot in
test-artifacts/e2e/ (08-... to 11-...).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, launch_chromium
from tests.e2e.streamlit_dom import (
    STEP_TIMEOUT_MS,
    alert_text,
    assert_no_exception,
    open_page,
    screenshot,
    settle,
    sign_in,
)

pytestmark = pytest.mark.e2e

ITEM_RE = r"Item (\d+) · case (\S+)"


def _queue(server: LiveServer, name: str, run_id: str, case_ids: list[str]) -> str:
    """A queue over these cases of the run; its id."""
    queue = server.api("POST", "/v1/annotations/queues", {"name": name})
    targets = [f"{run_id}:{c}" for c in case_ids]
    server.api(
        "POST",
        "/v1/annotations/queues/items",
        {"queue_id": queue["queue_id"], "target_ids": targets},
    )
    return str(queue["queue_id"])


def _pick_queue(page: Any, name: str, shows: str) -> None:
    """Pick a queue in the select box labelled exactly "Queue"; done once `shows` is on screen.

    The chosen value lives in the box's input, not its text, so the page's own text says when
    the pick took effect.
    """
    label = page.locator('[data-testid="stWidgetLabel"]', has_text=re.compile(r"^Queue$"))
    box = page.locator('[data-testid="stSelectbox"]').filter(has=label).first
    box.wait_for(timeout=STEP_TIMEOUT_MS)
    target = page.get_by_text(shows).first
    for _ in range(5):  # a rerun can redraw the open list under the click: open it again
        settle(page)
        if target.is_visible():
            break
        box.click(timeout=STEP_TIMEOUT_MS)
        try:
            page.get_by_role("option", name=name, exact=True).first.click(timeout=5_000)
            target.wait_for(timeout=STEP_TIMEOUT_MS)
            break
        except Exception:
            page.keyboard.press("Escape")
    else:
        raise AssertionError(f"could not pick queue {name!r}")
    settle(page)


def _item_on_screen(page: Any) -> str:
    """The item number of the 'Item N · case X' caption."""
    page.get_by_text(re.compile(ITEM_RE)).first.wait_for(timeout=STEP_TIMEOUT_MS)
    found = re.search(ITEM_RE, page.locator("body").inner_text())
    assert found, "no item on screen"
    return found.group(1)


def test_undo_archive_and_delete_run_in_the_browser(
    live_server: LiveServer, artifacts: Path
) -> None:
    from playwright.sync_api import sync_playwright

    run = live_server.api("GET", "/v1/runs")["runs"][0]
    cases = [
        c["case_id"] for c in live_server.api("GET", f"/v1/runs/{run['run_id']}/cases")["cases"]
    ]
    label_q = _queue(live_server, "lc-label", run["run_id"], cases[:3])
    archive_q = _queue(live_server, "lc-archive", run["run_id"], cases[3:5])

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = launch_chromium(p, Path(profile))
        page = browser.pages[0] if browser.pages else browser.new_page()
        try:
            # A rater labels one item, then presses U: the same item is back, unlabelled.
            sign_in(page, live_server.base_url, live_server.keys["alice"])
            open_page(page, "Label", "Label")
            _pick_queue(page, "lc-label", "0 of 3 done")
            first = _item_on_screen(page)
            page.keyboard.press("1")  # pass
            page.wait_for_function(
                "([pattern, prev]) => { const m = document.body.innerText.match("
                "new RegExp(pattern)); return m && m[1] !== prev; }",
                arg=[ITEM_RE, first],
                timeout=STEP_TIMEOUT_MS,
            )
            settle(page)
            assert (
                live_server.api("GET", f"/v1/annotations/queues/{label_q}")["progress"][
                    "annotations"
                ]
                == 1
            )
            page.keyboard.press("u")
            page.get_by_text("taken back").wait_for(timeout=STEP_TIMEOUT_MS)
            settle(page)
            assert_no_exception(page)
            assert _item_on_screen(page) == first
            screenshot(page, artifacts, "08-lifecycle-undo")
            progress = live_server.api("GET", f"/v1/annotations/queues/{label_q}")["progress"]
            assert progress["annotations"] == 0
        except Exception:
            screenshot(page, artifacts, "99-failure-lifecycle-rater")
            raise
        finally:
            browser.close()

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = launch_chromium(p, Path(profile))
        page = browser.pages[0] if browser.pages else browser.new_page()
        try:
            # The admin archives a queue: it leaves the default lists.
            sign_in(page, live_server.base_url, live_server.keys["admin"])
            open_page(page, "Queues", "Annotation queues")
            _pick_queue(page, "lc-archive", "Deleting queue 'lc-archive'")
            page.get_by_role("button", name="Archive queue").click()
            page.get_by_text("Archived lc-archive").wait_for(timeout=STEP_TIMEOUT_MS)
            settle(page)
            assert_no_exception(page)
            screenshot(page, artifacts, "09-lifecycle-archived")
            listed = {
                q["queue_id"] for q in live_server.api("GET", "/v1/annotations/queues")["queues"]
            }
            assert archive_q not in listed and label_q in listed
            archived = live_server.api("GET", f"/v1/annotations/queues/{archive_q}")
            assert archived["archived_at"] is not None

            # The admin deletes the run: the button waits for the tick naming the loss, and
            # since queue items use the run, for "Also delete" too.
            open_page(page, "Runs", "Runs")
            delete = page.get_by_role("button", name="Delete run")
            delete.scroll_into_view_if_needed()
            assert delete.is_disabled()
            sure = page.locator('[data-testid="stCheckbox"]', has_text="I understand")
            assert "5 queue item(s)" in sure.inner_text()
            page.locator('[data-testid="stCheckbox"]', has_text="Also delete").click()
            settle(page)
            sure.click()
            settle(page)
            screenshot(page, artifacts, "10-lifecycle-delete-run-confirm")
            delete.click()
            page.get_by_text("Deleted run").wait_for(timeout=STEP_TIMEOUT_MS)
            settle(page)
            assert_no_exception(page)
            assert "Deleted run" in alert_text(page)
            screenshot(page, artifacts, "11-lifecycle-run-deleted")
        except Exception:
            screenshot(page, artifacts, "99-failure-lifecycle-admin")
            raise
        finally:
            browser.close()
    assert live_server.api("GET", "/v1/runs")["runs"] == []
