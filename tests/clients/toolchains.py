"""Find (and for TypeScript, build) the toolchains the client tests need, or say loudly why not.

Each function returns None when the toolchain is ready, else the reason to skip; the tests turn
that reason into a skip that names the missing tool and how to get it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.servers import REPO

TS_SDK = REPO / "sdk" / "typescript"
GO_SDK = REPO / "sdk" / "go"


def _run(cmd: list[str], cwd: Path, timeout: float) -> str | None:
    """Run a build step; None on success, else its last lines of output."""
    try:
        out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`{' '.join(cmd)}` failed: {exc}"
    if out.returncode != 0:
        tail = (out.stdout + out.stderr).strip().splitlines()[-5:]
        return f"`{' '.join(cmd)}` exited {out.returncode}: " + " | ".join(tail)
    return None


def curl_missing() -> str | None:
    """Why the curl samples cannot run, if they cannot."""
    return None if shutil.which("curl") else "curl is not installed (apt-get install -y curl)"


def node_sdk_missing() -> str | None:
    """Why @evalguard/sdk cannot be built here, if it cannot; installs its devDependencies
    (`npm ci`, from package-lock.json) and builds it (`npm run build`) when needed."""
    if not shutil.which("node") or not shutil.which("npm"):
        return "Node.js/npm not installed (apt-get install -y nodejs npm; Node >= 18)"
    version = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=30)
    major = int(version.stdout.strip().lstrip("v").split(".")[0] or 0)
    if major < 18:
        return f"Node.js {version.stdout.strip()} has no global fetch; Node >= 18 is needed"
    if not (TS_SDK / "node_modules" / ".bin" / "tsc").exists():
        failed = _run(["npm", "ci", "--no-audit", "--no-fund"], TS_SDK, timeout=600)
        if failed:
            return f"cannot install the SDK's devDependencies from the npm registry: {failed}"
    return _run(["npm", "run", "build"], TS_SDK, timeout=300)


def tsc() -> Path:
    """The TypeScript compiler of the SDK's devDependencies."""
    return TS_SDK / "node_modules" / ".bin" / "tsc"


def go_missing() -> str | None:
    """Why the Go module cannot be built here, if it cannot."""
    if not shutil.which("go"):
        return (
            "the Go toolchain is not installed (apt-get install -y golang-go; "
            "`make test` does this when it runs as root)"
        )
    return None


def go_env() -> dict[str, str]:
    """Offline Go builds: the module needs nothing but the standard library."""
    return {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOTOOLCHAIN": "local"}
