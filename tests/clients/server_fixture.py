"""A real EvalGuard server for the client tests of all four languages (Python, TS, Go, curl).

One store with the synthetic demo run and keys: admin, annotator, viewer, `burst` (for rate-limit
tests, so that exhausting it never throttles the others) and one admin key per sample language;
served by server.py on a free port with a per-key limit of RATE_LIMIT. The pytest fixture uses
`running()`; the Node and Go suites, run on their own, start `python -m
tests.clients.server_fixture`, which prints one JSON line (the format of SERVER_ENV) once the
server is healthy and stops it when its stdin closes.
"""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.servers import REPO, free_port, start_server, stop, wait_healthy

# Handed to `npm test` and `go test` so that they reuse the running server instead of starting one.
SERVER_ENV = "EVALGUARD_TEST_SERVER"
# A burst of BURST concurrent requests meets it; the clients' own tests may too and then wait for
# Retry-After. The samples of each language run under their own key (SAMPLE_KEYS), at most one
# request per sample, so a sample (curl does not retry) never meets it.
RATE_LIMIT = "20/second"
BURST = 60
SAMPLE_KEYS = ("curl", "python", "typescript", "go")
ROLES = {
    "admin": "admin",
    "annotator": "annotator",
    "viewer": "viewer",
    "burst": "viewer",
    **{f"sample-{lang}": "admin" for lang in SAMPLE_KEYS},
}
MAX_LIFETIME_S = 1800


def _cli(db: Path, *args: str) -> Any:
    """The evalguard CLI over `db` (before the server holds it), its --json output parsed."""
    out = subprocess.run(
        [sys.executable, "-m", "evalguard_core", *args, "--db", str(db), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if out.returncode != 0:
        raise RuntimeError(f"evalguard {' '.join(args)} failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


@contextmanager
def running(workdir: Path) -> Iterator[dict[str, Any]]:
    """Start the server over a new store in `workdir`; yield what the clients need to reach it."""
    db = workdir / "data" / "evalguard.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    _cli(db, "demo")
    keys = {
        name: _cli(db, "keys", "create", "--name", name, "--role", role)["key"]
        for name, role in ROLES.items()
    }
    port = free_port()
    proc = start_server(db, port, env={"EVALGUARD_RATE_LIMIT": RATE_LIMIT})
    try:
        wait_healthy(port, proc)
        base_url = f"http://127.0.0.1:{port}"
        auth = {"Authorization": f"Bearer {keys['admin']}"}
        run_id = httpx.get(f"{base_url}/api/v1/runs", headers=auth).json()["runs"][0]["run_id"]
        cases = httpx.get(
            f"{base_url}/api/v1/runs/{run_id}/cases", params={"limit": 200}, headers=auth
        ).json()["cases"]
        yield {
            "base_url": base_url,
            "keys": keys,
            "run_id": run_id,
            "burst": BURST,
            "case_ids": [c["case_id"] for c in cases],
            "trace_ids": [c["trace_id"] for c in cases],
            "log": str(proc.log_path),  # type: ignore[attr-defined]
        }
    finally:
        stop(proc)


def main() -> None:
    """Serve until stdin closes (or MAX_LIFETIME_S passes), the server's details on stdout."""
    # SIGTERM must unwind the context managers, or server.py would outlive us.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with (
        tempfile.TemporaryDirectory(prefix="evalguard-clients-") as tmp,
        running(Path(tmp)) as info,
    ):
        print(json.dumps(info), flush=True)
        select.select([sys.stdin], [], [], MAX_LIFETIME_S)


if __name__ == "__main__":
    main()
