"""The one-process server: server.py started for real, UI and API on one port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, *, demo: bool = True) -> subprocess.Popen:
    """Start server.py on 127.0.0.1:port with the given store."""
    env = dict(
        os.environ,
        EVALGUARD_DB=str(db),
        EVALGUARD_PORT=str(port),
        EVALGUARD_HOST="127.0.0.1",
        EVALGUARD_DEMO="1" if demo else "0",
    )
    return subprocess.Popen(
        [sys.executable, str(REPO / "server.py")],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Poll /api/health until it answers (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stdout.read().decode(errors="replace"))
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError("server did not become healthy")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = free_port()
    db = tmp_path / "data" / "evalguard.duckdb"
    proc = start_server(db, port)
    try:
        wait_healthy(port, proc)
        yield port, db
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


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
