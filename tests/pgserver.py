"""A throwaway PostgreSQL cluster for tests and benchmarks (never a mock).

`initdb` in a temp dir, listening on 127.0.0.1 and a free port (as the `postgres` user when run
as root: initdb refuses root), stopped and deleted by `stop()` and at interpreter exit. When the
server binaries are missing and we are root, `apt-get install -y postgresql` runs once.
Shared by the test suite (tests/conftest.py) and bench/pg_baseline.py.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER = "evalguard"


def pg_bin() -> Path | None:
    """The newest installed PostgreSQL bin directory."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def ensure_postgres() -> tuple[Path | None, str | None]:
    """(bin dir, None), or (None, why PostgreSQL cannot be had here)."""
    bindir = pg_bin()
    if bindir is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-q", "postgresql"]):
            subprocess.run(cmd, capture_output=True, timeout=600, check=False, env=env)
        bindir = pg_bin()
    if bindir is None:
        return None, (
            "no PostgreSQL server binaries (install postgresql, or run as root so the tests "
            "apt-get it)"
        )
    return bindir, None


def _as_pg_user(cmd: list[str]) -> list[str]:
    """Run as `postgres` when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayPostgres:
    """One started cluster; `url(dbname)` addresses a database in it."""

    def __init__(self, bindir: Path, tmp: Path, port: int) -> None:
        self.bindir = bindir
        self.tmp = tmp
        self.port = port
        self.version = ""
        self._stopped = False

    @property
    def data(self) -> Path:
        """The cluster's data directory."""
        return self.tmp / "data"

    def url(self, dbname: str = "postgres") -> str:
        """A connection URL (trust authentication, loopback only)."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{dbname}"

    def stop(self) -> None:
        """Stop the server and delete its files."""
        if self._stopped:
            return
        self._stopped = True
        subprocess.run(
            _as_pg_user([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"]),
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(self.tmp, ignore_errors=True)


def start(*, fsync: bool = True) -> tuple[ThrowawayPostgres | None, str | None]:
    """Start a cluster: (server, None), or (None, why not)."""
    bindir, reason = ensure_postgres()
    if bindir is None:
        return None, reason
    tmp = Path(tempfile.mkdtemp(prefix="evalguard-pg-"))
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
    server = ThrowawayPostgres(bindir, tmp, free_port())
    init = subprocess.run(
        _as_pg_user(
            [
                str(bindir / "initdb"),
                "-D",
                str(server.data),
                "-U",
                USER,
                "-A",
                "trust",
                "-E",
                "UTF8",
            ]
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if init.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        return None, f"initdb failed: {init.stderr.strip()[-300:]}"
    opts = (
        f"-c listen_addresses=127.0.0.1 -p {server.port} -k {tmp} -c max_connections=300 "
        f"-c fsync={'on' if fsync else 'off'}"
    )
    if not fsync:
        opts += " -c synchronous_commit=off -c full_page_writes=off"
    started = subprocess.run(
        _as_pg_user(
            [
                str(bindir / "pg_ctl"),
                *("-D", str(server.data), "-o", opts, "-l", str(tmp / "log")),
                *("-w", "-t", "60", "start"),
            ]
        ),
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    if started.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        return None, f"pg_ctl start failed: {started.stderr.strip()[-300:]}"
    atexit.register(server.stop)
    server.version = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return server, None
