"""`from evalguard import EvalGuard` against a real server: environment defaults, typed errors,
the bounded Retry-After retry, and one implementation shared with evalguard_core.client."""

from __future__ import annotations

import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest

import evalguard
from evalguard import (
    AuthenticationError,
    ConflictError,
    EvalGuard,
    EvalGuardError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationError,
)
from evalguard_core import client as core_client
from tests.servers import REPO


def _client(live: dict[str, Any], role: str, **options: Any) -> EvalGuard:
    return EvalGuard(api_key=live["keys"][role], base_url=live["base_url"], **options)


def test_the_reference_sample_works_with_only_the_environment(
    live: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVALGUARD_API_KEY", live["keys"]["admin"])
    monkeypatch.setenv("EVALGUARD_BASE_URL", live["base_url"] + "/")
    client = EvalGuard()
    assert client.base_url == live["base_url"]
    queue = client.request(
        method="POST",
        path="/api/v1/annotations/queues",
        body={"name": "py-env", "target_type": "eval_case"},
    )
    response = client.request(
        method="POST",
        path="/api/v1/annotations/bootstrap",
        body={"queue_id": queue["queue_id"], "run_id": live["run_id"], "sample_count": 5},
    )
    assert set(response) == {"job_id"}
    job = client.request(method="GET", path=f"/api/v1/jobs/{response['job_id']}")
    assert job["job_id"] == response["job_id"]


def test_base_url_defaults_to_the_local_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVALGUARD_BASE_URL", raising=False)
    assert EvalGuard(api_key="k").base_url == "http://127.0.0.1:8501" == evalguard.DEFAULT_BASE_URL
    assert EvalGuard(api_key="k", base_url="http://h:1/").base_url == "http://h:1"


def test_a_missing_key_fails_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVALGUARD_API_KEY", raising=False)
    with pytest.raises(AuthenticationError, match="api_key"):
        EvalGuard()
    with pytest.raises(ValidationError, match="max_retries"):
        EvalGuard(api_key="k", max_retries=-1)


def test_claim_annotate_and_the_409_when_nothing_is_left(live: dict[str, Any]) -> None:
    admin, rater = _client(live, "admin"), _client(live, "annotator")
    queue_id = admin.create_queue("py-claims")["queue_id"]
    added = admin.request(
        method="POST",
        path="/api/v1/annotations/queues/items",
        body={"queue_id": queue_id, "target_ids": [f"{live['run_id']}:sa-00010"]},
    )
    assert added == {"success": True, "added": 1, "duplicates": 0}
    claim = rater.request(
        method="POST", path="/api/v1/annotations/queue", body={"queue_id": queue_id}
    )
    assert claim["success"] is True and claim["item"]["target_id"].endswith(":sa-00010")
    done = rater.annotate(
        claim["item"]["target_id"], claim["item"]["target_type"], label="fail", queue_id=queue_id
    )
    assert done["success"] is True and done["annotation_id"]
    with pytest.raises(ConflictError) as info:
        rater.claim_next(queue_id)
    assert info.value.http_status == 409 and info.value.message


def test_claim_and_label_works_through_a_queue_and_stops_when_done(live: dict[str, Any]) -> None:
    admin, rater = _client(live, "admin"), _client(live, "annotator")
    queue_id = admin.create_queue("py-claim-and-label")["queue_id"]
    targets = [f"{live['run_id']}:sa-0002{i}" for i in range(3)]
    admin.add_items(queue_id, targets)
    handed: list[str] = []
    labelled = []
    for _ in range(10):  # bounded: three items, then None
        done = rater.claim_and_label(
            queue_id, "fail", comment="c", on_claim=lambda item: handed.append(item["target_id"])
        )
        if done is None:
            break
        labelled.append(done)
    assert sorted(handed) == sorted(d["item"]["target_id"] for d in labelled)
    assert sorted(t.rsplit(":", 1)[1] for t in handed) == ["sa-00020", "sa-00021", "sa-00022"]
    assert all(d["annotation"]["success"] and d["annotation"]["annotation_id"] for d in labelled)
    assert admin.get_queue(queue_id)["progress"]["done"] == 3
    admin.request("POST", f"/api/v1/annotations/queues/{queue_id}/archive")
    with pytest.raises(ConflictError, match="archived"):
        rater.claim_and_label(queue_id, "pass")


@pytest.mark.parametrize(
    ("role", "method", "path", "body", "error"),
    [
        (
            "annotator",
            "POST",
            "/api/v1/annotations",
            {"target_id": "x", "target_type": "eval_case", "annotator": "mallory"},
            ValidationError,
        ),
        ("bad key", "GET", "/api/v1/runs", None, AuthenticationError),
        (
            "viewer",
            "POST",
            "/api/v1/annotations/queues",
            {"name": "no", "target_type": "eval_case"},
            PermissionDeniedError,
        ),
        (
            "viewer",
            "GET",
            "/api/v1/annotations/queues/00000000-0000-0000-0000-000000000000",
            None,
            NotFoundError,
        ),
    ],
)
def test_errors_raise_their_typed_exception(
    live: dict[str, Any], role: str, method: str, path: str, body: Any, error: type
) -> None:
    key = live["keys"].get(role, "eg_not_a_key")
    client = EvalGuard(api_key=key, base_url=live["base_url"])
    with pytest.raises(error) as info:
        client.request(method=method, path=path, body=body)
    assert isinstance(info.value, EvalGuardError) and info.value.message
    if error is ValidationError:
        assert "annotator" in str(info.value.details)


def _burst(client: EvalGuard, n: int) -> list[BaseException | None]:
    """n concurrent GETs with one client; each one's exception or None."""

    def one(_: int) -> BaseException | None:
        try:
            client.request(method="GET", path="/api/v1/annotations/queues")
        except EvalGuardError as exc:
            return exc
        return None

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(one, range(n)))


def test_429_is_retried_after_retry_after_within_bounds(live: dict[str, Any]) -> None:
    limited = [
        e for e in _burst(_client(live, "burst", max_retries=0), live["burst"]) if e is not None
    ]
    assert limited and all(isinstance(e, RateLimitedError) for e in limited)
    wait = max(e.retry_after for e in limited)  # type: ignore[attr-defined]
    assert wait >= 1
    time.sleep(wait + 0.2)  # let the window empty
    # With the default two retries every request of a burst of half the size gets through:
    # 3 attempts x the limit, twice what it needs, as retries are not aligned with the window.
    half = live["burst"] // 2
    assert _burst(_client(live, "burst"), half) == [None] * half
    # A Retry-After above max_retry_wait is raised at once instead of waited for.
    impatient = _burst(_client(live, "burst", max_retry_wait=0), live["burst"])
    assert any(isinstance(e, RateLimitedError) for e in impatient)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert core_client._retry_after("3") == 3.0
    assert core_client._retry_after(None) == 1.0 == core_client._retry_after("soon")
    in_five = core_client._retry_after(formatdate(time.time() + 5, usegmt=True))
    assert 3.0 < in_five <= 5.0


def test_one_implementation_for_both_import_paths() -> None:
    assert issubclass(EvalGuard, core_client.EvalGuard)
    assert EvalGuard.request is core_client.EvalGuard.request
    assert EvalGuard.claim_next is core_client.EvalGuard.claim_next


def test_the_built_package_ships_the_client(tmp_path: Path) -> None:
    """`pip install evalguard` gets the client `evalguard` next to `evalguard_core` and the UI."""
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if out.returncode != 0:
        pytest.skip(f"WHEEL BUILD SKIPPED: pip cannot build here: {out.stderr.strip()[-300:]}")
    (wheel,) = tmp_path.glob("evalguard-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"evalguard/__init__.py", "evalguard_core/client.py"} <= names
    assert {"evalguard_ui/session.py", "evalguard_app/app.py"} <= names
