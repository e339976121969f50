"""Schemathesis over /api/openapi.json: every operation, with an admin key and without one.

Checks: no 5xx, the status code is one the operation documents, and the body matches the
documented schema (content type and JSON Schema). Bounded: EVALGUARD_FUZZ_EXAMPLES examples
per operation (default 25), derandomised so CI is reproducible.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from evalguard_core import auth
from evalguard_core.api import create_api
from evalguard_core.store import Store
from tests.reliability.conftest import env_int, make_queue

EXAMPLES = env_int("EVALGUARD_FUZZ_EXAMPLES", 25)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def fuzz_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A store with a run, a queue and an admin key; the ASGI app over it."""
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    store = Store.open(tmp / "fuzz.duckdb")
    run_id, queue_id = make_queue(store.scope(), tmp, 50, per_item=1, name="fuzz")
    key = auth.create_key(store, name="fuzz_admin", role="admin")["key"]
    # The failed-auth limit (429 after 20 bad keys a minute) would hide the 401s checked below;
    # tests/api/test_security_api.py covers it.
    app = create_api(
        store,
        rate_limit="10000000/minute",
        max_body_bytes=1024 * 1024,
        auth_fail_limit="10000000/minute",
    )
    yield {"app": app, "key": key, "run_id": run_id, "queue_id": queue_id}
    store.close()


@pytest.fixture(scope="module")
def operations(fuzz_env: dict) -> dict:
    """Schemathesis operations of the app's own OpenAPI document (over ASGI), by label."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_env["app"])
    return {op.label: op for op in (r.ok() for r in schema.get_all_operations())}


def _labels() -> list[str]:
    """Every documented operation as "METHOD /path" (the schema needs no store to build)."""
    doc = create_api(None).openapi()  # type: ignore[arg-type]
    return [
        f"{method.upper()} {path}"
        for path, item in doc["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


LABELS = _labels()


def _run(operation, check, *, examples: int) -> None:
    """Generate `examples` cases for one operation and run `check` on each (hypothesis)."""

    @given(case=operation.as_strategy())
    @settings(FUZZ_SETTINGS, max_examples=examples)
    def run(case) -> None:
        check(case)

    run()


# schemathesis' own pytest plugin (schema.parametrize) reads pytest internals that pytest 9
# removed, so the tests drive each operation's hypothesis strategy themselves.
@pytest.mark.parametrize("label", LABELS)
def test_fuzz_with_admin_key(label: str, operations: dict, fuzz_env: dict) -> None:
    headers = {"Authorization": f"Bearer {fuzz_env['key']}"}
    _run(
        operations[label],
        lambda case: case.call_and_validate(headers=headers, checks=CHECKS),
        examples=EXAMPLES,
    )


@pytest.mark.parametrize("label", LABELS)
def test_fuzz_without_key(label: str, operations: dict) -> None:
    public = label.split(" ", 1)[1] in ("/health",)

    def check(case) -> None:
        if case.headers:
            case.headers.pop("Authorization", None)
        response = case.call_and_validate(checks=CHECKS)
        if not public:
            assert response.status_code in (400, 401, 404, 405, 413), response.status_code

    _run(operations[label], check, examples=max(3, EXAMPLES // 5))


def test_every_route_is_fuzzed() -> None:
    """A new endpoint appears in the document and so in LABELS (none is hidden from it)."""
    app = create_api(None)  # type: ignore[arg-type]
    documented = {label.split(" ", 1)[1] for label in LABELS}
    hidden = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/docs-assets"}
    for route in app.routes:
        path = getattr(route, "path", None)
        if path and path not in hidden:
            assert path in documented, f"{path} is not in the OpenAPI document"
