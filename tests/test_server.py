"""The one-process server: server.py started for real, UI and API on one port."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port, start_server, stop, wait_healthy


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = free_port()
    db = tmp_path / "data" / "evalguard.duckdb"
    db.parent.mkdir(parents=True)
    proc = start_server(db, port, env={"EVALGUARD_DEMO": "1"})
    try:
        wait_healthy(port, proc)
        yield port, db
    finally:
        stop(proc)


def test_server_serves_health_api_and_ui_from_one_process(server) -> None:
    port, db = server
    base = f"http://127.0.0.1:{port}"
    assert httpx.get(f"{base}/api/health").json()["status"] == "ok"
    assert httpx.get(f"{base}/api/v1/runs").status_code == 401
    assert "EvalGuard API" in httpx.get(f"{base}/api/openapi.json").text
    ui = httpx.get(f"{base}/")
    assert ui.status_code == 200 and "<html" in ui.text.lower()
    # The new store was seeded with the synthetic demo run while the server holds the file.
    assert db.exists()
    out = subprocess.run(
        [sys.executable, "-m", "evalguard_core", "runs", "list", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and "in use by another process" in out.stderr
