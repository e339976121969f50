"""Fixtures for the queue/claim/annotation API tests: a queue of the sample run, a live server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from evalguard_core import queues
from evalguard_core.api import create_api
from evalguard_core.store import Scope, Store


@pytest.fixture
def queue_id(scope: Scope, sample_run: str) -> str:
    """An eval_case queue holding the four sample cases."""
    queue = queues.create_queue(scope, name="review", created_by="admin_user")
    queues.add_items(scope, queue["queue_id"], [f"{sample_run}:c{i}" for i in range(1, 5)])
    return queue["queue_id"]


@pytest.fixture
def open_queue_id(scope: Scope, sample_run: str) -> str:
    """Like queue_id, but the queue accepts labels on items nobody claimed (allow_unclaimed)."""
    queue = queues.create_queue(scope, name="open", created_by="admin_user", allow_unclaimed=True)
    queues.add_items(scope, queue["queue_id"], [f"{sample_run}:c{i}" for i in range(1, 5)])
    return queue["queue_id"]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """create_api(store) under /api (as server.py mounts it), served by uvicorn on 127.0.0.1."""

    def __init__(self, store: Store, **api_kwargs: Any) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            Starlette(routes=[Mount("/api", app=create_api(store, **api_kwargs))]),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        """Base URL of the server (the API is under /api)."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@pytest.fixture
def live_server(store: Store) -> Iterator[LiveServer]:
    """A running server over the test store."""
    with LiveServer(store, rate_limit="100000/minute") as server:
        yield server


@pytest.fixture(params=["duckdb", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The API suite runs on both backends."""
    return str(request.param)
