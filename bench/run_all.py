"""`make bench`: run every benchmark in its own process and print one JSON document."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Order matters only for reading the output; each script is independent.
BENCHMARKS = [
    "import_runs",
    "importers",
    "bootstrap",
    "claims",
    "alignment",
    "export",
    "pages",
    "server",
    "pg_baseline",
    "auth_flood",
]
TIMEOUT_SECONDS = 600


def run_one(name: str) -> dict:
    """Run bench/<name>.py and parse the JSON it prints."""
    script = HERE / f"{name}.py"
    if not script.exists():
        return {"skipped": f"bench/{name}.py does not exist yet"}
    start = time.perf_counter()
    try:
        out = subprocess.run(
            [sys.executable, str(script)],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {TIMEOUT_SECONDS} s"}
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    text = out.stdout
    try:
        return json.loads(text[text.index("{") :])
    except (ValueError, json.JSONDecodeError):
        return {"error": "no JSON output", "wall_seconds": round(time.perf_counter() - start, 2)}


def main() -> None:
    """Run all benchmarks and print the combined result."""
    results = {}
    for name in BENCHMARKS:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        results[name] = run_one(name)
    print(json.dumps({"benchmarks": results}, indent=2))


if __name__ == "__main__":
    main()
