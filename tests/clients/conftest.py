"""One real EvalGuard server (server.py) for every client test of the session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.clients.server_fixture import running


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The running server: base_url, keys by name, run_id, case_ids, trace_ids, burst."""
    with running(tmp_path_factory.mktemp("clients")) as info:
        yield info
