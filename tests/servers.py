"""Start the real one-process server (server.py) for tests: free port, health wait, stop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    db: Path, port: int, *, log: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """server.py on 127.0.0.1:port over `db`, its output in a log file (a full pipe would block
    the server); demo seeding off unless `env` says otherwise."""
    log = log or db.parent / f"server-{port}.log"
    full_env = {
        **os.environ,
        "EVALGUARD_DB": str(db),
        "EVALGUARD_PORT": str(port),
        "EVALGUARD_HOST": "127.0.0.1",
        "EVALGUARD_DEMO": "0",
        **(env or {}),
    }
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, str(REPO / "server.py")],
            cwd=REPO,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    proc.log_path = log  # type: ignore[attr-defined]
    return proc


def server_log(proc: subprocess.Popen) -> str:
    """The tail of a started server's log."""
    path: Path = proc.log_path  # type: ignore[attr-defined]
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Poll /api/health until it answers (bounded); fail with the server's log otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server.py exited: {server_log(proc)}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"server.py not healthy after {timeout}s: {server_log(proc)}")


def stop(proc: subprocess.Popen) -> None:
    """Terminate a server we started, killing it if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
