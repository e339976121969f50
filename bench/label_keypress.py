"""Benchmark: keypress to next item on the Label page, in a real browser (issue #20 item 1).

The store holds the synthetic demo run and a queue bootstrapped from it (the tour's path);
server.py serves it on 127.0.0.1; headless Debian chromium (Playwright, never `playwright
install`) signs in as an annotator, opens Label and presses `1` (pass) again and again. Each
sample is the time from the keydown (in the page's own clock) until the caption of the NEXT
item ("Item N · case …", with a new N) is on screen, seen by a MutationObserver, so neither
Playwright's round trips nor polling add to it. Bounded: WARMUP + PRESSES presses and
DEADLINE_SECONDS of wall time, whichever ends first. Target: median <= 250 ms.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import ROOT, backend, emit, server_process, store_location

QUEUE_NAME = "demo review"
QUEUE_ITEMS = 200
WARMUP = 3
PRESSES = 40
DEADLINE_SECONDS = 240.0
TARGET_MEDIAN_MS = 250.0
ITEM_RE = r"Item (\d+) · case "

# Installed once per page: remembers when a label key went down and when the caption first
# showed another item id than the one on screen at that moment.
OBSERVER_JS = r"""
(pattern) => {
  if (window.__egBench) return;
  const re = new RegExp(pattern);
  const itemNow = () => { const m = document.body.innerText.match(re); return m ? m[1] : null; };
  window.__egBench = {from: null, down: null, seen: null};
  document.addEventListener("keydown", () => {
    window.__egBench = {from: itemNow(), down: performance.now(), seen: null};
  }, true);
  new MutationObserver(() => {
    const b = window.__egBench;
    if (b.down === null || b.seen !== null) return;
    const id = itemNow();
    if (id !== null && id !== b.from) b.seen = performance.now();
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
}
"""


def _seed(db: str, tmpdir: Path) -> tuple[str, str]:
    """The demo run, a queue of QUEUE_ITEMS of its cases (stratified by score) and a rater key."""
    from evalguard_core import auth, bootstrap, demo, queues
    from evalguard_core.store import Store

    store = Store.open(db, migrate=True)
    scope = store.scope()
    run_id = demo.seed_demo(scope, tmpdir)["run_id"]
    queue = queues.create_queue(scope, name=QUEUE_NAME)
    bootstrap.run_bootstrap(
        scope,
        queue_id=queue["queue_id"],
        run_id=run_id,
        sample_count=QUEUE_ITEMS,
        stratify_by="score",
    )
    key = auth.create_key(store, name="bench_rater", role="annotator")["key"]
    store.close()
    return queue["queue_id"], key


def _press_and_time(page: Any, deadline: float) -> float | None:
    """Press 1 on the item on screen; ms until the next item's id shows (None: queue done)."""
    from tests.e2e.streamlit_dom import STEP_TIMEOUT_MS

    page.keyboard.press("1")
    page.wait_for_function(
        "() => window.__egBench.seen !== null"
        " || document.body.innerText.includes('Queue finished')",
        timeout=min(STEP_TIMEOUT_MS, max(1000, int((deadline - time.monotonic()) * 1000))),
    )
    bench = page.evaluate("() => window.__egBench")
    if bench["seen"] is None:
        return None
    return float(bench["seen"] - bench["down"])


def _measure(base: str, key: str) -> dict[str, Any]:
    """Sign in, open Label, press and time; the samples' summary."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import launch_chromium
    from tests.e2e.streamlit_dom import open_page, settle, sign_in

    deadline = time.monotonic() + DEADLINE_SECONDS
    samples: list[float] = []
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = launch_chromium(p, Path(profile))
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            sign_in(page, base, key)
            open_page(page, "Label", "Label")
            page.get_by_text("Item ").first.wait_for()
            page.evaluate(OBSERVER_JS, ITEM_RE)
            for n in range(WARMUP + PRESSES):
                if time.monotonic() > deadline:
                    break
                settle(page)  # the rater reads: the previous run has finished
                page.wait_for_timeout(150)
                ms = _press_and_time(page, deadline)
                if ms is None:
                    break
                if n >= WARMUP:
                    samples.append(ms)
        finally:
            browser.close()
    if not samples:
        raise RuntimeError("no keypress was timed")
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(samples)
    return {
        "presses_timed": len(samples),
        "median_ms": round(median, 1),
        "p95_ms": round(p95, 1),
        "min_ms": round(ordered[0], 1),
        "max_ms": round(ordered[-1], 1),
        "target_median_ms": TARGET_MEDIAN_MS,
        "met": median <= TARGET_MEDIAN_MS,
    }


def main() -> dict[str, Any]:
    """Seed, serve, drive chromium, report."""
    from tests.e2e.conftest import chromium_path

    out: dict[str, Any] = {"benchmark": "label_keypress", "backend": backend()}
    if chromium_path() is None:
        out["skipped"] = "no chromium (/usr/bin/chromium); `apt-get install -y chromium`"
        return out
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        db = store_location(tmpdir, "label_keypress")
        queue_id, key = _seed(db, tmpdir)
        with server_process(ROOT / "server.py", db) as (base, proc):
            out.update(queue_items=QUEUE_ITEMS, **_measure(base, key))
            # Memory after the presses (Streamlit's post-run gc.collect is off, ADR 0020).
            out.update(_server_memory_mb(proc.pid))
    return out


def _server_memory_mb(pid: int) -> dict[str, float]:
    """The server's resident memory now and at its peak, in MB (from /proc)."""
    names = {"VmRSS": "server_rss_mb", "VmHWM": "server_rss_peak_mb"}
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in names:
            found[names[key]] = round(int(value.split()[0]) / 1024, 1)
    return found


if __name__ == "__main__":
    emit(main())
