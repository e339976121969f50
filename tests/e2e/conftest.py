"""Real-browser fixtures: Debian's chromium via Playwright, server.py on a free port.

Never `playwright install`: the browser is the system's chromium (`make test` installs it with
apt when it can). Without it the tests skip with a loud reason instead of failing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.servers import free_port, start_server, stop, wait_healthy

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "e2e"
DOCS_SHOTS = REPO / "docs" / "screenshots"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
USERS = {"admin": "admin", "alice": "annotator", "bob": "annotator"}


def chromium_path() -> str | None:
    """The system chromium ($EVALGUARD_CHROMIUM, /usr/bin/chromium, or on PATH), if any."""
    for candidate in (os.environ.get("EVALGUARD_CHROMIUM"), *CHROMIUM_CANDIDATES):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def launch_chromium(playwright: Any, user_data_dir: Path) -> Any:
    """Chromium with a fresh profile in `user_data_dir`: one browser context, 1280x800."""
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=chromium_path(),
        args=CHROMIUM_ARGS,
        viewport=VIEWPORT,
        accept_downloads=True,
        timeout=30_000,
    )


@pytest.fixture(scope="session")
def chromium() -> str:
    """Skip loudly unless Playwright's Python package and a launchable chromium exist."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the venv pins playwright
        pytest.skip(f"E2E SKIPPED: the playwright package is missing ({exc})")
    path = chromium_path()
    if path is None:
        pytest.skip(
            "E2E SKIPPED: no chromium found (/usr/bin/chromium). Install it with "
            "`apt-get install -y chromium` (make test does this when it runs as root)."
        )
    try:
        with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
            launch_chromium(p, Path(profile)).close()
    except Exception as exc:  # any launch failure means: no usable browser here
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        pytest.skip(f"E2E SKIPPED: chromium at {path} cannot be launched: {reason}")
    return path


@dataclass
class LiveServer:
    """A running server.py with its store and the API keys made for the journey."""

    base_url: str
    db: Path
    keys: dict[str, str]
    log: Path

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Call this server's REST API as the admin (127.0.0.1 only); the JSON answer."""
        req = urllib.request.Request(
            f"{self.base_url}/api{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {self.keys['admin']}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())


def _cli(db: Path, *args: str) -> Any:
    """Run the evalguard CLI against the temp store and return its --json output."""
    out = subprocess.run(
        [sys.executable, "-m", "evalguard_core", *args, "--db", str(db), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture
def live_server(chromium: str, tmp_path: Path) -> Iterator[LiveServer]:
    """server.py on 127.0.0.1:<free port> over a temp store holding the demo run and 3 keys.

    Keys are created with the CLI before the server starts: once it runs it holds the file.
    """
    db = tmp_path / "data" / "evalguard.duckdb"
    db.parent.mkdir(parents=True)
    _cli(db, "demo")
    keys = {
        name: _cli(db, "keys", "create", "--name", name, "--role", role)["key"]
        for name, role in USERS.items()
    }
    port = free_port()
    log = tmp_path / "server.log"
    proc = start_server(db, port, log=log)
    try:
        wait_healthy(port, proc)
        yield LiveServer(f"http://127.0.0.1:{port}", db, keys, log)
    finally:
        stop(proc)


@pytest.fixture
def artifacts() -> Path:
    """test-artifacts/e2e/ (git-ignored), emptied of the previous run's screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    return ARTIFACTS
