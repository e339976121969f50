"""The whole journey in a real browser (Debian chromium through Playwright).

Admin signs in, imports a CSV through the Runs page uploader, bootstraps a queue; two annotators
in two browsers label at the same time by keyboard and never see the same item; the Alignment
page shows a verdict and the paired-labels export downloads. Every step leaves a screenshot in
test-artifacts/e2e/; with EVALGUARD_UPDATE_SCREENSHOTS=1 the main ones go to docs/screenshots/.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DOCS_SHOTS, LiveServer, launch_chromium
from tests.e2e.streamlit_dom import (
    STEP_TIMEOUT_MS,
    alert_text,
    assert_no_exception,
    choose,
    open_page,
    screenshot,
    settle,
    sign_in,
)

pytestmark = pytest.mark.e2e

N_CASES = 16
MAX_ITEMS_PER_RATER = 40
FINISHED = "Queue finished"
ITEM_RE = r"Item (\d+) · case (\S+)"
VERDICT_RE = re.compile(r"^(PASS|FAIL|NOT DECIDED YET|TOO FEW LABELS|NO VERDICT):")


def eval_csv(path: Path) -> Path:
    """A small single-output run: 16 cases with a judge label and a correctness score."""
    rows = []
    for i in range(1, N_CASES + 1):
        right = i % 3 != 0
        rows.append(
            {
                "case_id": f"e2e-{i:02d}",
                "input": f"What is {i} + {i}?",
                "output": f"The answer is **{2 * i if right else 2 * i + 1}**.",
                "expected": str(2 * i),
                "latency_ms": 100 + 37 * i,
                "score:correctness": round(i / N_CASES, 3),
                "label:llm_judge": "pass" if i % 4 else "fail",
                "topic": "arithmetic",
            }
        )
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def upload(page: Any, uploader: Any, path: Path) -> None:
    """Put a file in the uploader and wait until the app has it (its name shows, run done)."""
    uploader.set_input_files(str(path))
    page.locator('[data-testid="stFileUploader"]', has_text=path.name).wait_for(
        timeout=STEP_TIMEOUT_MS
    )
    page.wait_for_timeout(300)  # the upload's rerun starts just after the chip shows
    settle(page)


def docs_dir() -> Path | None:
    """docs/screenshots/ when EVALGUARD_UPDATE_SCREENSHOTS=1, else None (artifacts only)."""
    return DOCS_SHOTS if os.environ.get("EVALGUARD_UPDATE_SCREENSHOTS") == "1" else None


def current_item(page: Any) -> tuple[str, str] | None:
    """(item id, case id) of the item on screen, None when the queue is finished."""
    page.wait_for_function(
        "([finished, pattern]) => document.body.innerText.includes(finished)"
        " || new RegExp(pattern).test(document.body.innerText)",
        arg=[FINISHED, ITEM_RE],
        timeout=STEP_TIMEOUT_MS,
    )
    settle(page)
    text = page.locator("body").inner_text()
    if FINISHED in text:
        return None
    match = re.search(ITEM_RE, text)
    assert match, text[:2000]
    return match.group(1), match.group(2)


def label_by_keyboard(
    server: LiveServer, name: str, artifacts: Path, start: threading.Barrier
) -> list[tuple[str, str]]:
    """One rater in their own browser: sign in, open Label, press 1/2 until the queue is done."""
    from playwright.sync_api import sync_playwright

    seen: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = launch_chromium(p, Path(profile))
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            sign_in(page, server.base_url, server.keys[name])
            open_page(page, "Label", "Label")
            start.wait(timeout=60)  # both raters hold a lease before anyone labels
            for n in range(MAX_ITEMS_PER_RATER):
                item = current_item(page)
                if item is None:
                    break
                assert_no_exception(page)
                if n == 0:
                    # The lease timer is on screen and counts down in the browser.
                    timer = page.locator('[data-testid="eg-lease-left"]')
                    assert re.fullmatch(r"\d+:\d\d", timer.inner_text())
                    docs = docs_dir() if name == "alice" else None
                    screenshot(
                        page, artifacts, f"05-label-{name}" if not docs else "05-label", docs
                    )
                seen.append(item)
                # The rater judges the answer (in this file every third answer is wrong).
                wrong = int(item[1].split("-")[1]) % 3 == 0
                page.keyboard.press("2" if wrong else "1")  # 1 = pass, 2 = fail
                page.wait_for_function(
                    "([finished, pattern, prev]) => {"
                    " const t = document.body.innerText;"
                    " if (t.includes(finished)) return true;"
                    " const m = t.match(new RegExp(pattern));"
                    " return m && m[1] !== prev; }",
                    arg=[FINISHED, ITEM_RE, item[0]],
                    timeout=STEP_TIMEOUT_MS,
                )
            else:
                pytest.fail(f"{name} never reached the end of the queue")
            settle(page)
            assert FINISHED in alert_text(page)
            screenshot(page, artifacts, f"06-queue-finished-{name}")
        except Exception:
            screenshot(page, artifacts, f"99-failure-{name}")
            raise
        finally:
            browser.close()
    return seen


def check_alignment_page(page: Any, artifacts: Path) -> None:
    """The disagreements sit below the downloads as a table; picking a row shows its case."""
    heading = page.get_by_role("heading", name="Disagreements")
    download = page.get_by_role("button", name="Paired labels (CSV)")
    assert download.bounding_box()["y"] < heading.bounding_box()["y"]
    heading.scroll_into_view_if_needed()
    text = page.locator("body").inner_text()
    match = re.search(r"(\d+) of (\d+) disagreements match", text)
    assert match, text[-2000:]
    # The raters failed every third answer; the judge failed every fourth case.
    expected = sum((i % 3 == 0) != (i % 4 == 0) for i in range(1, N_CASES + 1))
    assert int(match.group(2)) == expected
    table = page.locator('[data-testid="stDataFrame"]').last
    table.wait_for(timeout=STEP_TIMEOUT_MS)
    box = table.bounding_box()
    # The data grid is a canvas: click the first data row's selection cell.
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)
    case = page.get_by_text(re.compile(r"^Case e2e-\d\d: judge said")).first
    case.wait_for(timeout=STEP_TIMEOUT_MS)
    settle(page)
    case.scroll_into_view_if_needed()
    assert_no_exception(page)
    screenshot(page, artifacts, "07b-alignment-disagreement")


def check_focus_visible(page: Any) -> None:
    """Keyboard focus always shows a ring: every element Tab reaches has a visible outline."""
    # The style arrives with the script run's events, just after the page's first paint.
    page.wait_for_function(
        "() => [...document.querySelectorAll('style')].some("
        "s => s.textContent.includes(':focus-visible'))",
        timeout=STEP_TIMEOUT_MS,
    )
    page.get_by_label("Group by (optional)", exact=True).focus()
    checked = 0
    for step in range(8):
        if step:
            page.keyboard.press("Shift+Tab")  # back up through the page's controls
        ring = page.evaluate(
            """() => {
                let el = document.activeElement;
                if (!el || el === document.body) return null;
                const name = el.getAttribute('aria-label') || el.innerText || '';
                const tag = el.tagName + ' ' + name;
                for (let i = 0; el && i < 5; i++, el = el.parentElement) {
                    const s = getComputedStyle(el);
                    if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
                        return [tag, s.outlineWidth];
                }
                return [tag, null];
            }"""
        )
        if ring is None:
            continue
        assert ring[1] is not None, f"no visible focus ring on {ring[0][:80]!r}"
        checked += 1
    assert checked >= 3


def test_journey_import_bootstrap_label_align_export(
    live_server: LiveServer, artifacts: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    docs = docs_dir()
    good = eval_csv(tmp_path / "e2e_run.csv")
    bad = tmp_path / "broken.csv"
    bad.write_text("input,output\nhello,world\n", encoding="utf-8")

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = launch_chromium(p, Path(profile))
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()

            # 1. sign in as admin: the Home page
            page.goto(live_server.base_url + "/", timeout=STEP_TIMEOUT_MS)
            # the server's sign-in form (a plain page, not Streamlit)
            page.get_by_label("API key", exact=True).wait_for(timeout=STEP_TIMEOUT_MS)
            screenshot(page, artifacts, "01-sign-in")
            sign_in(page, live_server.base_url, live_server.keys["admin"])
            page.get_by_role("heading", name="Latest judge verdicts").wait_for(
                timeout=STEP_TIMEOUT_MS
            )
            settle(page)
            assert "synthetic demo" in page.locator("body").inner_text()
            screenshot(page, artifacts, "02-home", docs)

            # 2. Runs: a broken file is refused with a readable message, the good one imports
            open_page(page, "Runs", "Runs")
            page.get_by_text("Import an eval run").click()
            uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
            upload(page, uploader, bad)
            page.get_by_role("button", name="Import").click(timeout=STEP_TIMEOUT_MS)
            page.get_by_text("case_id").first.wait_for(timeout=STEP_TIMEOUT_MS)
            settle(page)
            assert "case_id" in alert_text(page)
            assert_no_exception(page)
            screenshot(page, artifacts, "03-runs-invalid-file")
            upload(page, uploader, good)
            name = page.get_by_label("Run name (optional)", exact=True)
            name.fill("e2e arithmetic")
            name.press("Tab")  # commits the text (a rerun) before the click
            settle(page)
            page.get_by_role("button", name="Import").click(timeout=STEP_TIMEOUT_MS)
            page.get_by_text(f"Imported {N_CASES} cases").wait_for(timeout=STEP_TIMEOUT_MS)
            settle(page)
            # progress, not only a spinner: the upload's size, then rows read and cases stored
            text = page.locator("body").inner_text()
            assert re.search(r"Uploaded e2e_run\.csv: [\d.,]+ (bytes|KB)", text), text[-1500:]
            assert f"Read {N_CASES} rows; stored {N_CASES} cases (1 of 1 run)" in text
            assert_no_exception(page)
            screenshot(page, artifacts, "03-runs", docs)

            # 3. Bootstrap a new queue from the imported run (the newest run is preselected)
            open_page(page, "Bootstrap", "Bootstrap a queue from a run")
            page.get_by_label("Queue name", exact=True).fill("e2e review")
            page.get_by_role("button", name="Create queue").click()
            page.get_by_label("Cases to draw", exact=True).wait_for(timeout=STEP_TIMEOUT_MS)
            settle(page)
            choose(page, "Allocation", "proportional")
            count = page.get_by_label("Cases to draw", exact=True)
            count.fill(str(N_CASES))
            count.press("Tab")  # commits the number: the preview reruns with it
            page.evaluate("() => document.activeElement && document.activeElement.blur()")
            page.wait_for_function(
                "() => !document.body.innerText.includes('sample_count 100 ')",
                timeout=STEP_TIMEOUT_MS,
            )
            settle(page)
            text = page.locator("body").inner_text()
            assert re.search(rf"Cases in run\s+{N_CASES}\b", text), text
            assert re.search(rf"Will draw\s+{N_CASES}\b", text), text
            screenshot(page, artifacts, "04-bootstrap", docs)
            page.get_by_role("button", name="Bootstrap", exact=True).click()
            page.get_by_text(re.compile(r"Added \d+ cases to queue")).wait_for(
                timeout=STEP_TIMEOUT_MS
            )
            settle(page)
            added = int(re.search(r"Added (\d+) cases", alert_text(page)).group(1))
            assert added == N_CASES
            assert_no_exception(page)

            # 4. two annotators, two browsers, at the same time, by keyboard
            start = threading.Barrier(2)
            with ThreadPoolExecutor(max_workers=2) as pool:
                futures = {
                    name: pool.submit(label_by_keyboard, live_server, name, artifacts, start)
                    for name in ("alice", "bob")
                }
                seen = {name: f.result(timeout=180) for name, f in futures.items()}
            alice, bob = ({item for item, _ in seen[n]} for n in ("alice", "bob"))
            assert alice and bob, seen
            assert alice.isdisjoint(bob), f"both raters saw items {alice & bob}"
            assert len(alice) + len(bob) == N_CASES
            cases = {case for n in seen for _, case in seen[n]}
            assert len(cases) == N_CASES

            # 5. the Alignment page: the verdict in plain words, the charts, the disagreements
            open_page(page, "Alignment", "Judge alignment")
            page.get_by_text(VERDICT_RE).first.wait_for(timeout=60_000)
            settle(page, timeout=60_000)
            text = page.locator("body").inner_text()
            # 16 labels are below the gate's 30: the page says so, in words, with the count.
            assert "TOO FEW LABELS: label more cases" in alert_text(page), alert_text(page)
            assert f"only {N_CASES} cases have both a judge verdict and a human label" in text
            assert f"(n = {N_CASES})" in text  # the figures: judge vs consensus ... (n = 16)
            # forest plot, like-for-like band (two raters, no shared items: none) and the matrix
            charts = page.locator('[data-testid="stVegaLiteChart"]')
            charts.first.wait_for(timeout=STEP_TIMEOUT_MS)
            assert charts.count() >= 2
            assert_no_exception(page)
            screenshot(page, artifacts, "07-alignment", docs)
            check_alignment_page(page, artifacts)
            check_focus_visible(page)

            # 6. the paired judge/human export downloads
            with page.expect_download(timeout=STEP_TIMEOUT_MS) as info:
                page.get_by_role("button", name="Paired labels (CSV)").click()
            saved = artifacts / "paired_labels.csv"
            info.value.save_as(saved)
            rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
            assert len(rows) == N_CASES
            assert {r["annotator"] for r in rows} == {"alice", "bob"}
            screenshot(page, artifacts, "08-export")
        except Exception:
            screenshot(page, artifacts, "99-failure-admin")
            raise
        finally:
            browser.close()
    print(f"e2e journey took {time.monotonic() - started:.1f}s")
