"""A small Python client for the EvalGuard REST API (public as `from evalguard import EvalGuard`).

from evalguard import EvalGuard
eg = EvalGuard(api_key="eg_...", base_url="http://127.0.0.1:8501")
item = eg.claim_next(queue_id)["item"]
eg.annotate(target_id=item["target_id"], target_type=item["target_type"],
            label="pass", queue_id=queue_id)
"""

from __future__ import annotations

import tempfile
import time
import zipfile
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx

from evalguard_core.errors import (
    AuthenticationError,
    ConflictError,
    EvalGuardError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationError,
)

DEFAULT_BASE_URL = "http://127.0.0.1:8501"
# A 429 is retried after its Retry-After this many times, and only while the server asks for
# at most DEFAULT_MAX_RETRY_WAIT seconds: a client must not hang for a minute on a busy key.
DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_RETRY_WAIT = 10.0
# The server already backs off inside a busy claim; a "busy, retry" 409 is rare and short-lived.
DEFAULT_BUSY_RETRIES = 200

_BY_STATUS: dict[int, type[EvalGuardError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
}


class EvalGuard:
    """Client bound to one server and one API key (the key's name is the label's annotator)."""

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT,
    ) -> None:
        if not api_key:
            raise AuthenticationError(
                "no API key: pass api_key= (create one with `evalguard keys create` or on the "
                "API keys page)"
            )
        if max_retries < 0 or max_retry_wait < 0:
            raise ValidationError(
                "max_retries and max_retry_wait must be >= 0",
                details={"max_retries": max_retries, "max_retry_wait": max_retry_wait},
            )
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> EvalGuard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """Call `path` (relative to base_url, e.g. "/api/v1/annotations/queue"); JSON or raise.

        A 429 is retried after its Retry-After, at most `max_retries` times and only while the
        wait asked is at most `max_retry_wait` seconds (else RateLimitedError at once); any
        other status >= 400 raises its typed EvalGuardError.
        """
        for attempt in range(self.max_retries + 1):
            response = self._http.request(method.upper(), path, json=body, params=params)
            if response.status_code < 400:
                return response.json() if response.content else None
            error = _error_from(response)
            if (
                not isinstance(error, RateLimitedError)
                or attempt == self.max_retries
                or error.retry_after > self.max_retry_wait
            ):
                raise error
            time.sleep(error.retry_after)
        raise AssertionError("unreachable: the last attempt returns or raises")

    # -- typed helpers ----------------------------------------------------------------------
    def create_queue(self, name: str, target_type: str = "eval_case", **settings: Any) -> dict:
        """Create a queue (admin key); returns its settings with `queue_id`."""
        return self.request(
            "POST",
            "/api/v1/annotations/queues",
            {"name": name, "target_type": target_type, **settings},
        )

    def get_queue(self, queue_id: str) -> dict:
        """A queue with its progress."""
        return self.request("GET", f"/api/v1/annotations/queues/{queue_id}")

    def add_items(self, queue_id: str, target_ids: list[str | int]) -> dict:
        """Bulk add targets (admin key): `{"added": n, "duplicates": m}`."""
        return self.request(
            "POST",
            "/api/v1/annotations/queues/items",
            {"queue_id": queue_id, "target_ids": list(target_ids)},
        )

    def claim_next(self, queue_id: str) -> dict:
        """Claim the next item: `{"item": {...}, "lease_expires_at": ...}`; 409 if none left."""
        return self.request("POST", "/api/v1/annotations/queue", {"queue_id": queue_id})

    def annotate(
        self,
        target_id: str | int,
        target_type: str,
        *,
        label: str | None = None,
        score: float | None = None,
        comment: str | None = None,
        queue_id: str | None = None,
    ) -> dict:
        """Label a target: `{"success": true, "annotation_id": ...}`."""
        body: dict[str, Any] = {"target_id": target_id, "target_type": target_type}
        for key, value in (
            ("label", label),
            ("score", score),
            ("comment", comment),
            ("queue_id", queue_id),
        ):
            if value is not None:
                body[key] = value
        return self.request("POST", "/api/v1/annotations", body)

    def claim_and_label(
        self,
        queue_id: str,
        label: str | None = None,
        *,
        score: float | None = None,
        comment: str | None = None,
        busy_retries: int = DEFAULT_BUSY_RETRIES,
        on_claim: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any] | None:
        """Claim the next item and label it: `{"item", "annotation"}`, or None when none is left.

        A 409 marked retryable (the queue is busy) is retried at most `busy_retries` times, then
        raised; an archived queue raises ConflictError. `on_claim(item)` runs between claim and
        label (e.g. to record what the server handed out even if the label then fails).
        """
        for attempt in range(busy_retries + 1):
            try:
                claimed = self.claim_next(queue_id)
            except ConflictError as exc:
                details = exc.details if isinstance(exc.details, dict) else {}
                if details.get("retryable") and attempt < busy_retries:
                    continue
                if details.get("retryable") or details.get("archived"):
                    raise
                return None  # nothing left for this rater
            item = claimed["item"]
            if on_claim is not None:
                on_claim(item)
            answer = self.annotate(
                item["target_id"],
                item["target_type"],
                label=label,
                score=score,
                comment=comment,
                queue_id=queue_id,
            )
            return {"item": item, "annotation": answer}
        raise AssertionError("unreachable: the last attempt returns or raises")

    def release(self, queue_id: str, item_id: int) -> dict:
        """Give back (skip) your lease on an item."""
        return self.request(
            "POST", "/api/v1/annotations/queue/release", {"queue_id": queue_id, "item_id": item_id}
        )

    def heartbeat(self, queue_id: str, item_id: int) -> dict:
        """Extend your lease on an item."""
        return self.request(
            "POST",
            "/api/v1/annotations/queue/heartbeat",
            {"queue_id": queue_id, "item_id": item_id},
        )

    # -- runs, labels, alignment, exports (the remote CLI uses these) ----------------------------
    def list_runs(self) -> list[dict[str, Any]]:
        """Runs of the key's organization with case counts and scorers."""
        return self.request("GET", "/api/v1/runs")["runs"]

    def get_run(self, run_id: str) -> dict[str, Any]:
        """One run with scorer summaries, latency and human-label counts."""
        return self.request("GET", f"/api/v1/runs/{run_id}")

    def list_cases(self, run_id: str, **params: Any) -> dict[str, Any]:
        """A page of a run's cases: `{"cases": [...], "total": n}` (filters as query params)."""
        clean = {k: v for k, v in params.items() if v is not None}
        return self.request("GET", f"/api/v1/runs/{run_id}/cases", params=clean)

    def import_run(
        self, path: str | Path, *, name: str | None = None, format: str | None = None
    ) -> dict[str, Any]:
        """Upload an eval-result file (or a directory, sent as a zip) as new run(s) (admin key)."""
        fields = {k: v for k, v in (("name", name), ("format", format)) if v}
        return self._upload("/api/v1/runs", Path(path), fields)

    def import_labels(
        self, run_id: str, path: str | Path, *, format: str | None = None
    ) -> dict[str, Any]:
        """Upload human labels made elsewhere for a run (admin key): `{"labels": n, ...}`."""
        fields = {"format": format} if format else {}
        return self._upload(f"/api/v1/runs/{run_id}/labels", Path(path), fields)

    def alignment(self, run_id: str, judge: str, **params: Any) -> dict[str, Any]:
        """The alignment report; `fail_under=[...]` adds the `gate` verdict."""
        query = {k: v for k, v in params.items() if v is not None}
        return self.request(
            "GET", "/api/v1/alignment", params={"run_id": run_id, "judge": judge, **query}
        )

    def export(self, kind: str, *, format: str = "csv", **filters: Any) -> bytes:
        """An export file's bytes (annotations, queue_items or paired)."""
        params = {"format": format, **{k: v for k, v in filters.items() if v is not None}}
        response = self._http.get(f"/api/v1/exports/{kind}", params=params)
        if response.status_code >= 400:
            raise _error_from(response)
        return response.content

    def list_queues(self) -> list[dict[str, Any]]:
        """Queues with progress."""
        return self.request("GET", "/api/v1/annotations/queues")["queues"]

    def list_claims(self, queue_id: str) -> dict[str, Any]:
        """Live claims of a queue (admin key)."""
        return self.request("GET", f"/api/v1/annotations/queues/{queue_id}/claims")

    def list_events(self, queue_id: str, **params: Any) -> dict[str, Any]:
        """A queue's event log, newest first."""
        query = {k: v for k, v in params.items() if v is not None}
        return self.request("GET", f"/api/v1/annotations/queues/{queue_id}/events", params=query)

    def _upload(self, route: str, path: Path, fields: dict[str, str]) -> Any:
        """POST a file as multipart (a directory is zipped first); JSON or raise."""
        with tempfile.TemporaryDirectory(prefix="evalguard-upload-") as tmp:
            if path.is_dir():
                archive = Path(tmp) / f"{path.name or 'upload'}.zip"
                with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
                    for file in sorted(path.rglob("*")):
                        if file.is_file():
                            zf.write(file, file.relative_to(path).as_posix())
                path = archive
            with path.open("rb") as fh:
                response = self._http.post(
                    route, data=fields, files={"file": (path.name, fh, "application/octet-stream")}
                )
        if response.status_code >= 400:
            raise _error_from(response)
        return response.json()


def _error_from(response: httpx.Response) -> EvalGuardError:
    """The exception for an error response, carrying the server's message and details."""
    try:
        err = response.json().get("error", {})
    except ValueError:
        err = {}
    message = err.get("message") or f"HTTP {response.status_code}"
    details = err.get("details")
    if response.status_code == 429:
        retry = _retry_after(response.headers.get("Retry-After"))
        return RateLimitedError(message, retry_after=retry, details=details)
    cls = _BY_STATUS.get(response.status_code, EvalGuardError)
    exc = cls(message, details=details)
    if cls is EvalGuardError:
        exc.http_status = response.status_code
    return exc


def _retry_after(header: str | None) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); 1 if absent."""
    if not header:
        return 1.0
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return 1.0
    return max(0.0, when.timestamp() - time.time())
