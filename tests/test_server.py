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
def server(tmp_path: Path) -> Iterator[tuple[int, Path, subprocess.Popen]]:
    port = free_port()
    db = tmp_path / "data" / "evalguard.duckdb"
    db.parent.mkdir(parents=True)
    proc = start_server(db, port, env={"EVALGUARD_DEMO": "1"})
    try:
        wait_healthy(port, proc)
        yield port, db, proc
    finally:
        stop(proc)


def test_server_serves_health_api_and_ui_from_one_process(server) -> None:
    port, db, _ = server
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


def test_evalguard_serve_seeds_the_demo_into_a_new_store(tmp_path: Path) -> None:
    """`make run` path: `evalguard serve` on a store that does not exist yet."""
    db = tmp_path / "data" / "evalguard.duckdb"
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "evalguard_core", "serve", "--port", str(port), "--db", str(db)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    proc.log_path = log  # type: ignore[attr-defined]
    try:
        wait_healthy(port, proc)
    finally:
        stop(proc)
    out = subprocess.run(
        [sys.executable, "-m", "evalguard_core", "runs", "list", "--json", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "synthetic demo" in out.stdout, out.stderr


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")
def test_server_runs_on_uvloop_and_httptools(server) -> None:
    """Streamlit's listening socket does not get TCP_NODELAY under the stock asyncio loop, so
    every request after the first on a keep-alive connection waited ~40 ms for a delayed ACK
    (docs/adr/0006-claim-path-latency.md); uvloop sets it and httptools writes one segment."""
    port, _, proc = server
    httpx.get(f"http://127.0.0.1:{port}/api/health")
    maps = Path(f"/proc/{proc.pid}/maps").read_text()
    assert "/uvloop/" in maps, "the server is not running on uvloop"
    assert "/httptools/" in maps, "the server is not parsing HTTP with httptools"
