"""The public entry point: the full alignment report."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from evalguard_core.alignment.common import SMALL_N, _clean
from evalguard_core.alignment.prepare import _prepare
from evalguard_core.alignment.references import _resolve_reference
from evalguard_core.alignment.sections import (
    _ceiling_section,
    _design_sections,
    _inter_rater,
    _judge_section,
)


def alignment_report(
    human: pd.DataFrame,
    judge: pd.DataFrame,
    *,
    judge_name: str,
    reference: str = "consensus",
    label_order: list[str] | None = None,
    kind: str = "auto",
    design: pd.DataFrame | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Judge-vs-human agreement report (DESIGN §6) with bootstrap / Wilson confidence intervals."""
    if not isinstance(n_boot, int) or n_boot < 0:
        raise ValueError("n_boot must be a non-negative integer")
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be strictly between 0 and 1")
    if not isinstance(reference, str) or not reference:
        raise ValueError("reference must be 'consensus', 'each' or a rater name")
    data = _prepare(human, judge, kind, label_order)
    warn = data.warnings
    if confidence != 0.95:
        warn.append(f"confidence intervals are {confidence:.0%}, not 95%")
    if n_boot == 0:
        warn.append("n_boot=0: bootstrap intervals are not computed")
    # Independent streams: adding a rater or a design does not shift the judge's intervals.
    main_ss, inter_ss, design_ss, ceiling_ss = np.random.SeedSequence(seed).spawn(4)

    comp = _resolve_reference(data, reference)
    n = len(comp.items)
    if comp.no_majority:
        warn.append(
            f"{comp.no_majority} item(s) have no strict human majority: left out of the "
            "consensus comparison"
        )
    metrics: dict[str, Any] = {}
    confusion: dict[str, Any] = {
        "labels": list(data.categories),
        "matrix": [[0] * len(data.categories)] * len(data.categories),
    }
    if n == 0:
        warn.append("no item is labelled by both the judge and the reference")
    else:
        if n < SMALL_N:
            warn.append(f"only {n} item(s) compared: confidence intervals are wide and unreliable")
        metrics, confusion = _judge_section(
            data, comp, n_boot, np.random.default_rng(main_ss), confidence, warn
        )
        undefined = [name for name, entry in metrics.items() if entry["value"] is None]
        if undefined:
            warn.append(
                "undefined on this data (e.g. a single label or a constant score on one side): "
                + ", ".join(undefined)
            )
    inter = _inter_rater(data, n_boot, np.random.default_rng(inter_ss), confidence, warn)
    ceiling = _ceiling_section(data, n_boot, np.random.default_rng(ceiling_ss), confidence)
    inter["human_ceiling"] = ceiling
    if ceiling is None and len(data.raters) < 2:
        warn.append("a single human rater: no inter-rater agreement or human ceiling")

    weighted: dict[str, Any] = {}
    per_stratum: list[dict[str, Any]] = []
    if design is not None and n:
        weighted, per_stratum = _design_sections(
            data, comp, design, n_boot, np.random.default_rng(design_ss), confidence, warn
        )
    report = {
        "n": n,
        "judge": judge_name,
        "reference": reference,
        "label_type": data.label_type,
        "metrics": metrics,
        "confusion": confusion,
        "inter_rater": inter,
        "per_stratum": per_stratum,
        "weighted": weighted,
        "no_majority": comp.no_majority,
        "warnings": warn,
        "n_boot": n_boot,
        "seed": seed,
    }
    return _clean(report)
