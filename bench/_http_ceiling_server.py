"""The API with claim and annotate answered from memory: the HTTP stack's own ceiling.

bench/claims.py runs it next to the real server so the report can say how much of a cycle is
HTTP (uvicorn, routing, auth, validation, JSON) and how much is the store. Not for users.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvicorn  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.routing import Mount  # noqa: E402

import evalguard_core.annotations as annotations  # noqa: E402
from evalguard_core import claims  # noqa: E402
from evalguard_core.api import create_api  # noqa: E402
from evalguard_core.store import Store  # noqa: E402

NIL = "00000000-0000-0000-0000-000000000000"


def canned_claim(scope: Any, queue_id: str, annotator: str, **_: Any) -> dict[str, Any]:
    """A claim answer shaped like the real one, without touching the store."""
    now = datetime.now(UTC)
    item = {
        "item_id": 1,
        "queue_id": queue_id,
        "target_id": f"{NIL}:c1",
        "target_type": "eval_case",
        "trace_id": 1,
        "run_id": NIL,
        "case_id": "c1",
        "input": "question 1",
        "output": "answer 1",
        "output_a": None,
        "output_b": None,
        "expected": "answer 1",
        "metadata": {},
        "claim_id": NIL,
        "lease_expires_at": now,
    }
    return {"success": True, "item": item, "lease_expires_at": now}


def canned_annotation(scope: Any, **_: Any) -> dict[str, Any]:
    """An annotate answer shaped like the real one, without touching the store."""
    return {
        "success": True,
        "annotation_id": NIL,
        "updated": False,
        "item_id": 1,
        "item_status": "done",
        "lease": "live",
    }


if __name__ == "__main__":
    claims.claim_next = canned_claim
    annotations.create_annotation = canned_annotation
    store = Store.open(os.environ.get("EVALGUARD_DATABASE_URL") or os.environ["EVALGUARD_DB"])
    api = create_api(store, rate_limit=os.environ.get("EVALGUARD_RATE_LIMIT"))
    uvicorn.run(
        Starlette(routes=[Mount("/api", app=api)]),
        host="127.0.0.1",
        port=int(os.environ["EVALGUARD_PORT"]),
        log_level="warning",
        access_log=False,
    )
