"""Coverage and bias of the pass-rate estimators under the product's stratified sampler.

Seeded and bounded: a run of N cases with a known human pass rate, a judge with known TPR / TNR,
a queue drawn by `sampling.allocate` (equal allocation over the judge's label strata, simple
random sampling within each, π = m_h / N_h), and the report's pass-rate section on it.
Prints JSON: coverage and mean error of PPI++, human-only and Rogan–Gladen.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np
import pandas as pd

from evalguard_core.alignment.passrate import design_weights, pass_rate_section
from evalguard_core.sampling import allocate


def simulate(
    reps: int = 400,
    big_n: int = 5000,
    n: int = 200,
    rate: float = 0.7,
    tpr: float = 0.9,
    tnr: float = 0.75,
    allocation: str = "equal",
    seed: int = 7,
    strata_by: str = "judge",
) -> dict[str, Any]:
    """Run `reps` seeded draws; coverage and bias of each estimator of the run's pass rate."""
    rng = np.random.default_rng(seed)
    hits = {"corrected": 0, "human_only": 0, "rogan_gladen": 0}
    errors: dict[str, list[float]] = {k: [] for k in hits}
    widths: dict[str, list[float]] = {k: [] for k in hits}
    for _ in range(reps):
        y_all = (rng.random(big_n) < rate).astype(float)
        judge_pass = np.where(y_all == 1, rng.random(big_n) < tpr, rng.random(big_n) >= tnr)
        f_all = judge_pass.astype(float)
        truth = float(y_all.mean())
        if strata_by == "judge":
            strata = np.where(f_all == 1, "pass", "fail")
        else:  # the sampler's "none" strategy: one stratum, a simple random sample
            strata = np.full(big_n, "all")
        pops = {name: int((strata == name).sum()) for name in np.unique(strata)}
        alloc = allocate(pops, n, allocation)
        chosen, probs, names = [], [], []
        for name, m in alloc.items():
            members = np.flatnonzero(strata == name)
            pick = rng.choice(members, size=m, replace=False)
            chosen.extend(pick.tolist())
            probs.extend([m / len(members)] * m)
            names.extend([name] * m)
        idx = np.array(chosen)
        design = pd.DataFrame(
            {"item": [str(i) for i in idx], "stratum": names, "inclusion_prob": probs}
        )
        weights = design_weights(np.array([str(i) for i in idx], dtype=object), design)
        sec = pass_rate_section(
            y_all[idx],
            f_all[idx],
            f_all,
            positive="pass",
            weights=weights,
            n_boot=300,
            rng=rng,
            confidence=0.95,
        )
        for key in hits:
            entry = sec[key]
            if entry["value"] is None or entry["ci_low"] is None:
                continue
            hits[key] += entry["ci_low"] <= truth <= entry["ci_high"]
            errors[key].append(entry["value"] - truth)
            widths[key].append(entry["ci_high"] - entry["ci_low"])
    return {
        "reps": reps,
        "N": big_n,
        "n": n,
        "allocation": allocation,
        "strata_by": strata_by,
        "mean_width": {k: float(np.mean(v)) for k, v in widths.items()},
        "coverage": {k: v / reps for k, v in hits.items()},
        "mean_error": {k: float(np.mean(v)) for k, v in errors.items()},
    }


if __name__ == "__main__":
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    out = [
        simulate(reps=reps),
        simulate(reps=reps, allocation="proportional", seed=8),
        simulate(reps=reps, strata_by="none", seed=9),
    ]
    print(json.dumps(out, indent=2))
