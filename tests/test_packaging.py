"""The package installs from its wheel and serves outside a source checkout.

`pip install <wheel>` into a new virtual environment (dependencies from pyproject's ranges,
downloaded through the pip cache that `make` filled), then from a directory that is not the
checkout: `evalguard --version`, `evalguard serve` answering on /api/health and the UI's
health endpoint, and a CLI command on the store the server seeded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest

from evalguard_core import __version__
from tests.servers import free_port, stop

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
INSTALL_TIMEOUT = 900  # a cold pip cache on a slow mirror; normally about a minute


def _packages_on_disk() -> set[str]:
    """Every importable package of the product in the checkout (directories with __init__)."""
    found = set()
    for init in REPO.glob("evalguard*/**/__init__.py"):
        if ".venv" not in init.parts and "sdk" not in init.parts:
            found.add(".".join(init.parent.relative_to(REPO).parts))
    return found


def test_the_wheel_lists_every_package_and_the_ui() -> None:
    declared = set(PYPROJECT["tool"]["setuptools"]["packages"])
    missing = _packages_on_disk() - declared
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"
    assert {"evalguard_app", "evalguard_app.pages"} <= declared
    package_dir = PYPROJECT["tool"]["setuptools"]["package-dir"]
    assert (REPO / package_dir["evalguard_app"] / "app.py").exists()
    assert (REPO / package_dir["evalguard_app.pages"] / "label.py").exists()


def test_runtime_dependencies_cover_the_pinned_runtime_set() -> None:
    """Every runtime pin of requirements.txt is declared (as a range) for pip users."""
    declared = {
        dep.split(";")[0].split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip().lower()
        for dep in PYPROJECT["project"]["dependencies"]
    }
    runtime = (REPO / "requirements.txt").read_text().split("# Dev / test")[0]
    pinned = {
        line.split("==")[0].split("[")[0].strip().lower()
        for line in runtime.splitlines()
        if "==" in line and not line.startswith("#")
    }
    assert pinned - declared == set()


def _run(cmd: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a command to completion, failing the test with its output when it fails."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVALGUARD_")}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{cmd}: {result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return result


@pytest.mark.slow
def test_pip_install_of_the_wheel_serves_ui_and_api_outside_the_checkout(tmp_path: Path) -> None:
    dist, venv, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "elsewhere"
    work.mkdir()
    _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(REPO), "-w", str(dist)],
        cwd=work,
        timeout=INSTALL_TIMEOUT,
    )
    wheel = next(dist.glob("evalguard-*.whl"))
    _run([sys.executable, "-m", "venv", str(venv)], cwd=work, timeout=120)
    _run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-compile", str(wheel)],
        cwd=work,
        timeout=INSTALL_TIMEOUT,
    )
    evalguard = str(venv / "bin" / "evalguard")

    where = _run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import evalguard_core; print(evalguard_core.__file__)",
        ],
        cwd=work,
        timeout=60,
    ).stdout
    assert str(venv) in where and str(REPO) not in where  # the installed copy, not the checkout
    assert _run([evalguard, "--version"], cwd=work, timeout=60).stdout.strip() == (
        f"evalguard {__version__}"
    )

    db, port = work / "x.duckdb", free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVALGUARD_")}
    with (work / "serve.log").open("wb") as log:
        server = subprocess.Popen(
            [evalguard, "serve", "--port", str(port), "--db", str(db)],
            cwd=work,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, (work / "serve.log").read_text()[-3000:]
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (work / "serve.log").read_text()[-3000:]
            time.sleep(0.2)
        assert httpx.get(f"{base}/api/health").json()["version"] == __version__
        assert httpx.get(f"{base}/_stcore/health").text == "ok"
        page = httpx.get(f"{base}/")
        assert page.status_code == 200 and "<html" in page.text.lower()
    finally:
        stop(server)

    runs = _run([evalguard, "runs", "list", "--db", str(db), "--json"], cwd=work, timeout=120)
    assert '"cases"' in runs.stdout  # the demo run the server seeded on first start
