"""Concurrency soak: 8 HTTP raters (one API key each) and 8 in-process rater threads on one queue.

The in-process threads must share the process that holds the DuckDB file, so the API is
create_api() served by a real uvicorn on 127.0.0.1 in a thread of this test process (the same
stack server.py mounts under /api). Sizes: EVALGUARD_SOAK_ITEMS items (default 500 in CI; the
issue's full size is 20000), each run bounded by EVALGUARD_SOAK_SECONDS (default 240).

Invariants: no item is ever handed to more raters than it needs labels (zero double
assignments), every item ends with exactly `annotations_per_item` labels from distinct raters,
and the event log matches the annotations table one to one.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest

import evalguard_core.annotations as annotations
from evalguard_core import auth, claims
from evalguard_core.client import EvalGuard
from evalguard_core.errors import ConflictError, EvalGuardError
from evalguard_core.store import Store
from tests.api.conftest import LiveServer
from tests.reliability.conftest import audit_queue, env_int, make_queue

ITEMS = env_int("EVALGUARD_SOAK_ITEMS", 500)
SECONDS = env_int("EVALGUARD_SOAK_SECONDS", 240)
HTTP_RATERS = 8
CORE_RATERS = 8
MAX_BUSY_RETRIES = 200


class Ledger:
    """What every rater was handed, recorded client-side (the test's own view)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.handed: dict[int, set[str]] = defaultdict(set)
        self.labelled: list[tuple[int, str]] = []
        self.errors: list[str] = []

    def claim(self, item_id: int, rater: str) -> None:
        with self.lock:
            self.handed[item_id].add(rater)

    def label(self, item_id: int, rater: str) -> None:
        with self.lock:
            self.labelled.append((item_id, rater))


def _http_rater(
    base: str, key: str, rater: str, queue_id: str, ledger: Ledger, deadline: float, budget: int
) -> None:
    with EvalGuard(api_key=key, base_url=base) as client:
        for _ in range(budget):
            if time.monotonic() > deadline:
                ledger.errors.append(f"{rater}: time budget exhausted")
                return
            try:
                done = client.claim_and_label(
                    queue_id,
                    "pass",
                    busy_retries=MAX_BUSY_RETRIES,
                    on_claim=lambda item: ledger.claim(item["item_id"], rater),
                )
            except EvalGuardError as exc:
                ledger.errors.append(f"{rater}: {exc.http_status} {exc.message[:200]}")
                return
            if done is None:
                return
            ledger.label(done["item"]["item_id"], rater)


def _core_rater(
    store: Store, rater: str, queue_id: str, ledger: Ledger, deadline: float, budget: int
) -> None:
    scope = store.scope()
    busy = 0
    try:
        for _ in range(budget):
            if time.monotonic() > deadline:
                ledger.errors.append(f"{rater}: time budget exhausted")
                return
            try:
                item = claims.claim_next(scope, queue_id, rater)["item"]
            except ConflictError as exc:
                if (exc.details or {}).get("retryable") and busy < MAX_BUSY_RETRIES:
                    busy += 1
                    continue
                return
            ledger.claim(item["item_id"], rater)
            annotations.label_claimed(scope, queue_id, rater, item, label="fail", source="ui")
            ledger.label(item["item_id"], rater)
    except Exception as exc:  # reported by the test, never swallowed
        ledger.errors.append(f"{rater}: {type(exc).__name__}: {exc}")


@pytest.mark.parametrize("per_item", [1, 3])
def test_soak_http_and_in_process_raters(store: Store, tmp_path: Path, per_item: int) -> None:
    _, queue_id = make_queue(store.scope(), tmp_path, ITEMS, per_item=per_item, name="soak")
    keys = [
        auth.create_key(store, name=f"http{i}", role="annotator")["key"] for i in range(HTTP_RATERS)
    ]
    ledger = Ledger()
    budget = ITEMS * per_item + 10  # no rater can do more cycles than the queue holds
    deadline = time.monotonic() + SECONDS
    with LiveServer(store, rate_limit="100000000/minute") as server:
        threads = [
            threading.Thread(
                target=_http_rater,
                args=(server.url, keys[i], f"http{i}", queue_id, ledger, deadline, budget),
            )
            for i in range(HTTP_RATERS)
        ] + [
            threading.Thread(
                target=_core_rater, args=(store, f"core{i}", queue_id, ledger, deadline, budget)
            )
            for i in range(CORE_RATERS)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=SECONDS + 60)
        assert not any(t.is_alive() for t in threads), "a rater did not stop"
    assert not ledger.errors, ledger.errors[:5]

    # Zero double assignments: no item was handed to more raters than it needs.
    over = {i: r for i, r in ledger.handed.items() if len(r) > per_item}
    assert not over, f"double assignments: {list(over.items())[:5]}"
    # Both kinds of rater took part (the mix is the point of the soak).
    raters = {r for _, r in ledger.labelled}
    assert any(r.startswith("http") for r in raters) and any(r.startswith("core") for r in raters)

    counts = audit_queue(store.db, queue_id, per_item)
    assert counts["items"] == ITEMS
    assert counts["done"] == ITEMS, "every item finished with exactly the required labels"
    assert counts["labels"] == ITEMS * per_item == len(ledger.labelled)
    # Every label a rater was told succeeded is in the table under that rater.
    stored = set(
        store.db.fetchall(
            "SELECT item_id, annotator FROM annotations WHERE queue_id = CAST(? AS UUID)",
            [queue_id],
        )
    )
    assert stored == set(ledger.labelled)
    left = store.db.fetchone(
        "SELECT count(*) FROM claims WHERE queue_id = CAST(? AS UUID) AND status = 'active'",
        [queue_id],
    )[0]
    assert left == 0, "every lease ended with its label"
