"""The public entry point: the full alignment report."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from evalguard_core.alignment.alttest import MIN_RATERS, alt_test_section
from evalguard_core.alignment.common import PAIRWISE, SMALL_N, _clean
from evalguard_core.alignment.grouped import grouped_section
from evalguard_core.alignment.passrate import (
    POSITIVE_SPELLINGS,
    design_weights,
    pass_rate_section,
    positive_label,
)
from evalguard_core.alignment.position import (
    ORDERS,
    human_position_section,
    judge_position_section,
)
from evalguard_core.alignment.prepare import _Data, _normalise, _prepare, normalise_label
from evalguard_core.alignment.references import (
    DS_REFERENCE,
    _Comparison,
    _majority,
    _resolve_reference,
)
from evalguard_core.alignment.sections import (
    _ceiling_section,
    _design_sections,
    _inter_rater,
    _judge_section,
)
from evalguard_core.alignment.sequential import sequential_section


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
    judge_run: pd.DataFrame | None = None,
    positive: str | None = None,
    sequential: dict[str, float] | None = None,
    sequence: list[str] | None = None,
    groups: pd.DataFrame | None = None,
    group_field: str | None = None,
    judge_orders: pd.DataFrame | None = None,
    human_orders: pd.DataFrame | None = None,
    rater_model: bool = False,
    alt_test_epsilon: float | None = None,
) -> dict[str, Any]:
    """Judge-vs-human agreement report (DESIGN §6) with bootstrap / Wilson confidence intervals.

    `judge_run` (columns label, n: the judge's verdict counts over the whole run) adds the
    pass-rate section (PPI++, Rogan–Gladen, TPR / TNR); `positive` names the passing label.
    `sequential` (bars per metric, may be empty) adds anytime-valid confidence sequences over
    the items in `sequence` order (labelling order; item key order when None).
    `groups` (columns item, group) adds the grouped section, named by `group_field`.
    `judge_orders` (columns item, order AB/BA, label in candidate terms: the judge's verdict
    observations, both orders where it judged both) and `human_orders` (columns item, rater,
    order: the side order each rater was shown) add the position-bias section (pairwise).
    `rater_model` adds the Dawid-Skene section; `alt_test_epsilon` the alt-test section.
    reference="dawid-skene" compares the judge with the humans' Dawid-Skene labels.
    """
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
    main_ss, inter_ss, design_ss, ceiling_ss, pass_ss = np.random.SeedSequence(seed).spawn(5)

    comp = _resolve_reference(data, reference)
    if reference == DS_REFERENCE:
        warn.append(
            "reference: Dawid-Skene labels fitted on the humans only; intervals treat them as "
            "fixed (they do not include the rater model's own uncertainty)"
        )
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
    pass_rate = None
    if judge_run is not None and n:
        pass_rate = _pass_rate(
            data, comp, judge_run, design, positive, n_boot, pass_ss, confidence, warn
        )
    seq_section = None
    if sequential is not None and n:
        seq_section = _sequential(
            data, comp, sequential, sequence, positive, confidence, seed, warn
        )
    grouped = None
    if groups is not None and n and not comp.clustered:
        by_item = dict(zip(_normalise(groups["item"]), groups["group"], strict=True))
        keys = data.items[comp.items]
        grouped = grouped_section(
            np.array([by_item.get(k) for k in keys], dtype=object),
            comp.ref,
            comp.pred,
            field=group_field or "group",
            categorical=data.categorical,
            n_boot=n_boot,
            rng=np.random.default_rng(np.random.SeedSequence(seed).spawn(6)[5]),
            confidence=confidence,
        )
    extra_ss = np.random.SeedSequence(seed).spawn(8)
    position = None
    if judge_orders is not None or human_orders is not None:
        position = _position(data, judge_orders, human_orders, confidence, warn)
    ds_section = None
    if rater_model:
        ds_section = _rater_model(
            data, judge_name, n_boot, np.random.default_rng(extra_ss[6]), confidence, warn
        )
    alt = None
    if alt_test_epsilon is not None:
        alt = _alt_test(data, alt_test_epsilon, warn)
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
        "pass_rate": pass_rate,
        "sequential": seq_section,
        "grouped": grouped,
        "position_bias": position,
        "rater_model": ds_section,
        "alt_test": alt,
        "no_majority": comp.no_majority,
        "warnings": warn,
        "n_boot": n_boot,
        "seed": seed,
    }
    return _clean(report)


def _pass_rate(
    data: _Data,
    comp: _Comparison,
    judge_run: pd.DataFrame,
    design: pd.DataFrame | None,
    positive: str | None,
    n_boot: int,
    ss: np.random.SeedSequence,
    confidence: float,
    warn: list[str],
) -> dict[str, Any] | None:
    """The pass-rate section when the data allows it (labels, one verdict per item), else None."""
    if not data.categorical or comp.clustered:
        if positive is not None:
            warn.append("pass rate: needs labels and a consensus or single-rater reference")
        return None
    pos = positive_label(list(data.categories), positive)
    if pos is None:
        warn.append(
            "pass rate: no label reads as pass (" + ", ".join(POSITIVE_SPELLINGS[:4]) + ", ...); "
            "name it with --positive LABEL to get the corrected pass rate"
        )
        return None
    code = list(data.categories).index(pos)
    run_labels = _normalise(judge_run["label"])
    counts = pd.to_numeric(judge_run["n"]).fillna(0).astype(np.int64).to_numpy()
    keep = run_labels != None  # noqa: E711
    yhat_run = np.repeat((run_labels[keep] == pos).astype(np.float64), counts[keep])
    if len(yhat_run) < len(comp.items):
        return None
    weights = design_weights(data.items[comp.items], design)
    if design is not None and weights is None:
        warn.append("pass rate: some compared items have no design row; treated as a random sample")
    return pass_rate_section(
        (comp.ref == code).astype(np.float64),
        (comp.pred == code).astype(np.float64),
        yhat_run,
        positive=pos,
        weights=weights,
        n_boot=n_boot,
        rng=np.random.default_rng(ss),
        confidence=confidence,
    )


def _sequential(
    data: _Data,
    comp: _Comparison,
    bars: dict[str, float],
    sequence: list[str] | None,
    positive: str | None,
    confidence: float,
    seed: int,
    warn: list[str],
) -> dict[str, Any] | None:
    """The label-until-decided section (labels, one verdict per item), else None with a warning."""
    if not data.categorical or comp.clustered:
        warn.append("sequential: needs labels and a consensus or single-rater reference")
        return None
    keys = data.items[comp.items]
    if sequence is not None:
        rank = {key: i for i, key in enumerate(_normalise(pd.Series(sequence, dtype=object)))}
        order = np.argsort([rank.get(k, len(rank)) for k in keys], kind="stable")
    else:
        order = np.arange(len(keys))
    pos = positive_label(list(data.categories), positive)
    code = list(data.categories).index(pos) if pos is not None else None
    # One-sided bounds at α = (1 − confidence) / 2 each: the same 2.5% as the fixed-n gate.
    return sequential_section(
        comp.ref[order],
        comp.pred[order],
        positive_code=code,
        bars=bars,
        alpha=(1.0 - confidence) / 2,
        seed=seed,
    )


_CANDIDATE = {"a": "A", "b": "B", "tie": "tie"}


def _orders(values: pd.Series, what: str) -> Any:
    """Presentation orders as AB / BA (case and spaces ignored); anything else is an error."""
    canon = np.array(
        [None if v is None else str(v).upper().replace(" ", "") for v in _normalise(values)],
        dtype=object,
    )
    bad = sorted({str(v) for v in canon if v is not None and v not in ORDERS})
    if bad:
        raise ValueError(f"{what}: the order must be AB or BA; got {bad[:5]}")
    return canon


def _position(
    data: _Data,
    judge_orders: pd.DataFrame | None,
    human_orders: pd.DataFrame | None,
    confidence: float,
    warn: list[str],
) -> dict[str, Any] | None:
    """The position-bias section of a pairwise run (A / B / tie labels), else None."""
    if data.label_type != PAIRWISE:
        warn.append("position bias: needs a pairwise run labelled A, B or tie")
        return None
    cats = list(data.categories)
    ref_codes, _ = _majority(data.human, len(cats))
    reference = {key: cats[c] for key, c in zip(data.items, ref_codes, strict=True) if c >= 0}
    section: dict[str, Any] = {"judge": None, "humans": None}
    if judge_orders is not None and len(judge_orders):
        items = _normalise(judge_orders["item"])
        orders = _orders(judge_orders["order"], "judge order")
        labels = np.array(
            [_CANDIDATE.get(normalise_label(v) or "") for v in judge_orders["label"]],
            dtype=object,
        )
        ok = (items != None) & (orders != None) & (labels != None)  # noqa: E711
        if (~ok).any():
            warn.append(
                f"position bias: {int((~ok).sum())} judge verdict(s) without an A / B / tie "
                "label or an AB / BA order left out"
            )
        section["judge"] = judge_position_section(
            items[ok], orders[ok], labels[ok], reference, confidence=confidence
        )
    if human_orders is not None and len(human_orders):
        index = {key: i for i, key in enumerate(data.items)}
        col = {name: j for j, name in enumerate(data.raters)}
        rows = []
        for key, rater, order in zip(
            _normalise(human_orders["item"]),
            _normalise(human_orders["rater"]),
            _orders(human_orders["order"], "shown order"),
            strict=True,
        ):
            i, j = index.get(key), col.get(rater)
            if i is None or j is None or order is None or data.human[i, j] < 0:
                continue
            rows.append((key, rater, order, cats[data.human[i, j]]))
        if rows:
            judge = {key: cats[c] for key, c in zip(data.items, data.judge, strict=True) if c >= 0}
            items, raters, orders, labels = (
                np.array(c, dtype=object) for c in zip(*rows, strict=True)
            )
            section["humans"] = human_position_section(
                items, raters, orders, labels, judge, confidence=confidence
            )
        else:
            warn.append("position bias: no human label records the side order it was shown in")
    if section["judge"] is None and section["humans"] is None:
        return None
    return section


def _rater_model(
    data: _Data,
    judge_name: str,
    n_boot: int,
    rng: np.random.Generator,
    confidence: float,
    warn: list[str],
) -> dict[str, Any] | None:
    """The Dawid-Skene section (labels only), else None with a warning."""
    if not data.categorical:
        warn.append("rater model: Dawid-Skene needs labels, not scores")
        return None
    if not data.judged().any():
        warn.append("rater model: the judge labelled none of these items")
        return None
    from evalguard_core.alignment.ratermodel import dawid_skene_section

    return dawid_skene_section(
        data.human,
        data.judge,
        list(data.raters),
        judge_name,
        list(data.categories),
        n_boot=n_boot,
        rng=rng,
        confidence=confidence,
    )


def _alt_test(data: _Data, epsilon: float, warn: list[str]) -> dict[str, Any] | None:
    """The alt-test section with at least three human raters, else None with a warning."""
    if len(data.raters) < MIN_RATERS:
        warn.append(f"alt-test: needs at least {MIN_RATERS} human raters (has {len(data.raters)})")
        return None
    return alt_test_section(
        data.human,
        data.judge,
        list(data.raters),
        categorical=data.categorical,
        epsilon=epsilon,
    )
