"""Interval coverage, measured: seeded simulation from populations with known truth.

Run from the repo root: `make validate` (or `python bench/coverage.py [--reps 400]`).
Prints a Markdown table (coverage of the 95% interval per metric and n) and one JSON line.

Populations (the truth of every metric is its value on one very large sample of the same
population, computed by the same engine):
- binary: pass/fail with P(pass) = 0.6, three human raters who each report the truth with
  probability 0.85, a judge with a known confusion matrix (sensitivity 0.85, specificity 0.75),
  compared with the raters' consensus; the human ceiling sections come from the three raters;
- ordinal: a 4-level scale, one rater, a judge off by one level 30% of the time;
- continuous: skewed (log-normal) scores, one rater, a judge with heteroscedastic noise.

Each replicate draws n items, computes the report (1,000 BCa resamples unless --n-boot), and
records whether each metric's interval holds the truth, and whether the lower bound is above it
(a gate at the truth would pass: the one-sided false-pass rate, target 2.5%).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalguard_core.alignment import alignment_report  # noqa: E402

NS = (30, 50, 200, 1000)
TRUTH_N = 200_000
MAX_SECONDS = 3 * 3600  # bounded: stop starting replicates after this long

Frames = tuple[pd.DataFrame, pd.DataFrame]


def binary(rng: np.random.Generator, n: int) -> Frames:
    """Pass/fail truth, three noisy raters, a judge with a known confusion matrix."""
    truth = rng.random(n) < 0.6
    raters = {f"r{r}": np.where(rng.random(n) < 0.85, truth, ~truth) for r in range(3)}
    judge = np.where(truth, rng.random(n) < 0.85, rng.random(n) >= 0.75)
    human = pd.concat(
        [
            pd.DataFrame({"item": np.arange(n), "rater": r, "label": np.where(v, "pass", "fail")})
            for r, v in raters.items()
        ]
    )
    return human, pd.DataFrame({"item": np.arange(n), "label": np.where(judge, "pass", "fail")})


def ordinal(rng: np.random.Generator, n: int) -> Frames:
    """Four ordered levels, one rater, a judge off by one level 30% of the time."""
    truth = rng.choice(4, size=n, p=[0.1, 0.3, 0.4, 0.2])
    rater = np.clip(truth + np.where(rng.random(n) < 0.15, rng.choice([-1, 1], n), 0), 0, 3)
    judge = np.clip(truth + np.where(rng.random(n) < 0.3, rng.choice([-1, 1], n), 0), 0, 3)
    human = pd.DataFrame({"item": np.arange(n), "rater": "r", "label": (rater + 1).astype(str)})
    return human, pd.DataFrame({"item": np.arange(n), "label": (judge + 1).astype(str)})


def continuous(rng: np.random.Generator, n: int) -> Frames:
    """Skewed scores, one rater, a judge whose noise grows with the score."""
    truth = rng.lognormal(0.0, 0.6, n)
    rater = truth + rng.normal(0, 0.3, n)
    judge = truth + rng.normal(0, 0.2 + 0.3 * truth, n)
    human = pd.DataFrame({"item": np.arange(n), "rater": "r", "score": rater})
    return human, pd.DataFrame({"item": np.arange(n), "score": judge})


POPULATIONS: dict[str, Callable[[np.random.Generator, int], Frames]] = {
    "binary": binary,
    "ordinal": ordinal,
    "continuous": continuous,
}


def entries(report: dict) -> dict[str, dict]:
    """Every interval the report states: judge metrics and the human-ceiling figures."""
    out = {k: v for k, v in report["metrics"].items() if not k.startswith(("f1:",))}
    ceiling = (report.get("inter_rater") or {}).get("human_ceiling") or {}
    for side in ("judge_human", "human_human"):
        for name, entry in (ceiling.get(side) or {}).items():
            out[f"ceiling {side}:{name}"] = entry
    return out


def truth_of(population: str) -> dict[str, float]:
    """Each metric's value on one very large sample (n_boot=0: points only)."""
    human, judge = POPULATIONS[population](np.random.default_rng(12345), TRUTH_N)
    report = alignment_report(human, judge, judge_name="truth", n_boot=0)
    out = {k: v["value"] for k, v in entries(report).items()}
    return {k: v for k, v in out.items() if v is not None}


def one(args: tuple[str, int, int, int]) -> dict[str, tuple[bool, bool, str]]:
    """One replicate: per metric (covered, lower bound above the truth, method)."""
    population, n, rep, n_boot = args
    rng = np.random.default_rng([7, NS.index(n), rep, list(POPULATIONS).index(population)])
    human, judge = POPULATIONS[population](rng, n)
    report = alignment_report(human, judge, judge_name="sim", n_boot=n_boot, seed=rep)
    truth = TRUTHS[population]
    out = {}
    for name, entry in entries(report).items():
        lo, hi = entry.get("ci_low"), entry.get("ci_high")
        if name not in truth or lo is None or hi is None:
            continue
        t = truth[name]
        out[name] = (lo <= t <= hi, lo > t, str(entry.get("method")))
    return out


TRUTHS: dict[str, dict[str, float]] = {}


def _init(truths: dict[str, dict[str, float]]) -> None:
    TRUTHS.update(truths)


def main() -> None:
    """Run the simulation and print the coverage table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=400)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--ns", default=",".join(map(str, NS)))
    parser.add_argument("--populations", default=",".join(POPULATIONS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=MAX_SECONDS)
    parser.add_argument("--out", help="also write the per-cell results as JSON to this file")
    args = parser.parse_args()
    ns = [int(x) for x in args.ns.split(",")]
    pops = args.populations.split(",")
    start = time.perf_counter()
    truths = {p: truth_of(p) for p in pops}
    _init(truths)
    # Replicate-major order: if the time bound stops the run, every cell has as many replicates.
    tasks = [(p, n, rep, args.n_boot) for rep in range(args.reps) for p in pops for n in ns]
    hits: dict[tuple[str, str, int], list[tuple[bool, bool, str]]] = defaultdict(list)
    with Pool(args.workers, initializer=_init, initargs=(truths,)) as pool:
        for (p, n, _, _), result in zip(tasks, pool.imap(one, tasks, chunksize=4), strict=True):
            for name, h in result.items():
                hits[(p, name, n)].append(h)
            if time.perf_counter() - start > args.max_seconds:
                pool.terminate()
                break
    rows = sorted({(p, name) for p, name, _ in hits}, key=lambda r: (pops.index(r[0]), r[1]))
    print(f"| population | metric | method | {' | '.join(f'n={n}' for n in ns)} |")
    print("|---|---|---|" + "---|" * len(ns))
    worst = 1.0
    table = []
    for p, name in rows:
        cells = []
        methods = set()
        for n in ns:
            h = hits.get((p, name, n), [])
            methods |= {m for _, _, m in h}
            if not h:
                cells.append("—")
                continue
            cover = sum(c for c, _, _ in h) / len(h)
            above = sum(a for _, a, _ in h) / len(h)
            if n >= 30:
                worst = min(worst, cover)
            cells.append(f"{cover:.1%} ({above:.1%})")
            table.append(
                {
                    "population": p,
                    "metric": name,
                    "n": n,
                    "coverage": cover,
                    "lower_above_truth": above,
                    "replicates": len(h),
                }
            )
        print(f"| {p} | {name} | {'/'.join(sorted(methods))} | {' | '.join(cells)} |")
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "benchmark": "coverage",
                "replicates": args.reps,
                "n_boot": args.n_boot,
                "worst_coverage": round(worst, 4),
                "min_replicates_per_cell": min((len(h) for h in hits.values()), default=0),
                "seconds": round(seconds, 1),
            }
        )
    )
    if args.out:
        Path(args.out).write_text(json.dumps(table, indent=1))


if __name__ == "__main__":
    main()
