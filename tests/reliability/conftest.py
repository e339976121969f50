"""Shared helpers for the reliability suite: bounded load, loopback servers, seeded runs.

Every loop here is bounded in count AND in time; every server listens on 127.0.0.1 only.
Sizes come from env vars so CI runs a small form and a developer can run the full one:

- EVALGUARD_SOAK_ITEMS (default 2000; the issue's full size is 20000)
- EVALGUARD_CRASH_ROUNDS (default 3)
- EVALGUARD_FUZZ_EXAMPLES (default 25 per operation)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from evalguard_core import queues, runs
from evalguard_core.store import Scope

REPO = Path(__file__).resolve().parents[2]


def env_int(name: str, default: int) -> int:
    """An integer knob from the environment."""
    return int(os.environ.get(name) or default)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_run_csv(path: Path, n: int, *, prefix: str = "c") -> Path:
    """A single-output run file of n cases with a judge label."""
    path.write_text(
        "case_id,input,output,expected,label:llm_judge,score:acc\n"
        + "".join(
            f"{prefix}{i},question {i},answer {i},answer {i},{'pass' if i % 3 else 'fail'},"
            f"{(i % 10) / 10}\n"
            for i in range(n)
        ),
        "utf-8",
    )
    return path


def make_queue(
    scope: Scope, tmp: Path, n: int, *, per_item: int, lease_seconds: int = 900, name: str = "q"
) -> tuple[str, str]:
    """(run_id, queue_id): a run of n cases, all of them in a new queue."""
    run_id = runs.import_run(scope, write_run_csv(tmp / f"{name}.csv", n), name=name).run_id
    queue = queues.create_queue(
        scope, name=name, annotations_per_item=per_item, lease_seconds=lease_seconds
    )
    added = queues.add_items(scope, queue["queue_id"], [f"{run_id}:c{i}" for i in range(n)])
    assert added["added"] == n
    return run_id, queue["queue_id"]


def start_server(db: Path, port: int, *, extra_env: dict | None = None) -> subprocess.Popen:
    """The real server.py (UI + API in one process) on 127.0.0.1:port over `db`."""
    env = dict(
        os.environ,
        EVALGUARD_DB=str(db),
        EVALGUARD_PORT=str(port),
        EVALGUARD_HOST="127.0.0.1",
        EVALGUARD_DEMO="0",
        EVALGUARD_RATE_LIMIT="1000000/minute",
        **(extra_env or {}),
    )
    return subprocess.Popen(
        [sys.executable, str(REPO / "server.py")],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Poll /api/health until it answers (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                "server exited: " + (proc.stderr.read().decode(errors="replace")[-2000:])
            )
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError("server did not become healthy")


def stop(proc: subprocess.Popen) -> None:
    """Terminate a server we started (by its own handle), killing it if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
