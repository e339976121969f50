"""Helpers shared by the benchmarks: generated runs and JSON output."""

from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def generate_run_table(n: int, seed: int = 7) -> Any:
    """A pyarrow Table of n realistic cases: text, latency, two scorers and a judge label."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    quality = rng.beta(4.0, 1.6, n)
    case_ids = pa.array([f"case-{i:07d}" for i in range(n)])
    inputs = pa.array(np.char.add("question about topic ", (np.arange(n) % 997).astype(str)))
    outputs = pa.array(np.char.add("answer text number ", (np.arange(n) % 1009).astype(str)))
    return pa.table(
        {
            "case_id": case_ids,
            "input": inputs,
            "output": outputs,
            "expected": outputs,
            "latency_ms": rng.lognormal(6.6, 0.45, n).round(1),
            "score:correctness": np.clip(quality + rng.normal(0, 0.12, n), 0, 1).round(4),
            "score:helpfulness": np.clip(np.round(1 + 4 * quality), 1, 5),
            "label:llm_judge": pa.array(np.where(quality > 0.45, "pass", "fail")),
            "score:llm_judge": rng.uniform(0.5, 1, n).round(3),
            "topic": pa.array(
                np.array(["billing", "account", "shipping", "product"])[rng.integers(0, 4, n)]
            ),
        }
    )


@contextmanager
def timed() -> Any:
    """Measure wall time of a block: `with timed() as t: ...; t["seconds"]`."""
    box: dict[str, float] = {}
    start = time.perf_counter()
    yield box
    box["seconds"] = time.perf_counter() - start


def emit(result: dict[str, Any]) -> None:
    """Print one JSON document."""
    print(json.dumps(result, indent=2, default=str))
