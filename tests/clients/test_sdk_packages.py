"""The TypeScript and Go clients build and pass their own test suites against the real server.

`npm test` (sdk/typescript) and `go test` (sdk/go) get the running server through
EVALGUARD_TEST_SERVER; run on their own they start one themselves. A missing toolchain is a loud
skip naming it.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.clients import toolchains
from tests.clients.server_fixture import SERVER_ENV


def _env(live: dict[str, Any]) -> dict[str, str]:
    return {**toolchains.go_env(), SERVER_ENV: json.dumps(live)}


def test_typescript_sdk_builds_and_its_tests_pass(live: dict[str, Any]) -> None:
    reason = toolchains.node_sdk_missing()
    if reason:
        pytest.skip(f"TYPESCRIPT SDK SKIPPED: {reason}")
    assert (toolchains.TS_SDK / "dist" / "index.d.ts").exists(), "no type declarations built"
    out = subprocess.run(
        ["npm", "test"],
        cwd=toolchains.TS_SDK,
        env=_env(live),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "# fail 0" in out.stdout


def test_go_sdk_vets_and_its_tests_pass(live: dict[str, Any]) -> None:
    reason = toolchains.go_missing()
    if reason:
        pytest.skip(f"GO SDK SKIPPED: {reason}")
    for cmd in (["go", "vet", "./..."], ["go", "test", "-count=1", "./..."]):
        out = subprocess.run(
            cmd,
            cwd=toolchains.GO_SDK,
            env=_env(live),
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert out.returncode == 0, f"{' '.join(cmd)}:\n{out.stdout[-4000:]}\n{out.stderr[-2000:]}"
