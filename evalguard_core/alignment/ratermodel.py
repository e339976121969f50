"""Dawid-Skene rater model over the human raters and the judge (crowd-kit for the fit).

The point fit is crowd-kit's `DawidSkene` (majority-vote start, EM to convergence). Its
bootstrap needs one refit per replicate, and crowd-kit's pandas EM takes ~0.5 s per fit on
1,000 items x 4 raters (8 minutes for 1,000 replicates), so the replicates run the same EM here,
vectorised over replicates on counts per response pattern (items with the same labels from
every rater are interchangeable; the same trick as resample.py). A test checks this EM
reproduces crowd-kit's fit (docs/adr/0017).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from evalguard_core.alignment.common import FloatArray, IntArray, _silently
from evalguard_core.alignment.intervals import _percentile_ci
from evalguard_core.alignment.resample import _row_types

_EPS = 1e-10  # crowd-kit's floor on probabilities
N_ITER = 100
TOL = 1e-7
# Replicates are refitted in blocks of this many, so memory stays bounded on large runs.
_BLOCK = 250


def crowdkit_fit(codes: IntArray, k: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """crowd-kit's Dawid-Skene on a (items x raters) code matrix (-1 missing).

    Returns (posteriors items x k, priors k, errors raters x truth x label).
    Items without any vote get the prior as their posterior.
    """
    from crowdkit.aggregation import DawidSkene

    item, rater = np.nonzero(codes >= 0)
    frame = pd.DataFrame({"task": item, "worker": rater, "label": codes[item, rater]})
    model = _silently(lambda: DawidSkene(n_iter=N_ITER, tol=TOL).fit(frame))
    priors = np.array([float(model.priors_.get(c, 0.0)) for c in range(k)])
    post = np.tile(priors, (codes.shape[0], 1))
    probas = model.probas_.reindex(columns=range(k), fill_value=0.0)
    post[probas.index.to_numpy(dtype=np.int64)] = probas.to_numpy(dtype=np.float64)
    errors = np.zeros((codes.shape[1], k, k))
    table = model.errors_.reindex(columns=range(k), fill_value=0.0)
    for (worker, label), row in table.iterrows():
        errors[int(worker), :, int(label)] = row.to_numpy(dtype=np.float64)
    return post, priors, errors


def em_counts(
    patterns: IntArray, counts: FloatArray, k: int, n_iter: int = N_ITER
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Dawid-Skene EM for many replicates at once, each given as counts per response pattern.

    patterns: (types x raters) codes, -1 missing; counts: (replicates x types).
    Returns posteriors (replicates x types x k), priors (replicates x k) and errors
    (replicates x raters x truth x label), with crowd-kit's start and update rules.
    """
    n_types, n_raters = patterns.shape
    onehot = np.zeros((n_types, n_raters, k))
    t_idx, r_idx = np.nonzero(patterns >= 0)
    onehot[t_idx, r_idx, patterns[t_idx, r_idx]] = 1.0
    votes = onehot.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        post0 = votes / votes.sum(axis=1, keepdims=True)
    post = np.broadcast_to(post0, (counts.shape[0], n_types, k)).copy()
    # Items without any vote carry no information about raters: leave them out of the fit.
    counts = np.where(votes.sum(axis=1) > 0, counts, 0.0)
    total = counts.sum(axis=1, keepdims=True)
    post = np.nan_to_num(post)
    flat = onehot.reshape(n_types, n_raters * k)  # (types, rater x label)
    n_boot = counts.shape[0]
    for _ in range(n_iter):
        weighted = counts[:, :, None] * post  # (replicates, types, truth)
        priors = weighted.sum(axis=1) / np.maximum(total, 1)
        # errors[b, r, truth, label] = sum over types of weight x posterior x one-hot label
        errors = (flat.T @ weighted).reshape(n_boot, n_raters, k, k).transpose(0, 1, 3, 2)
        errors = np.clip(errors, _EPS, None)
        errors /= errors.sum(axis=3, keepdims=True)
        log_err = np.log(errors).transpose(0, 1, 3, 2).reshape(n_boot, n_raters * k, k)
        log_lik = np.log(np.clip(priors, _EPS, None))[:, None, :] + flat @ log_err
        log_lik -= log_lik.max(axis=2, keepdims=True)
        new = np.exp(log_lik)
        new /= new.sum(axis=2, keepdims=True)
        change = float(np.max(np.abs(new - post))) if new.size else 0.0
        post = new
        if change < TOL:
            break
    priors = np.einsum("bt,btk->bk", counts, post) / np.maximum(total, 1)
    return post, priors, errors


def _judge_accuracy(post: FloatArray, judge: IntArray, weight: FloatArray) -> FloatArray:
    """Posterior-expected accuracy of the judge per replicate (types weighted by counts)."""
    has = judge >= 0
    hit = np.take_along_axis(post, np.where(has, judge, 0)[None, :, None], axis=2)[..., 0]
    num = (weight * np.where(has, hit, 0.0)).sum(axis=1)
    den = (weight * has).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(num / den, dtype=np.float64)


def dawid_skene_section(
    human: IntArray,
    judge: IntArray,
    raters: list[str],
    judge_name: str,
    categories: list[str],
    *,
    n_boot: int,
    rng: np.random.Generator,
    confidence: float,
) -> dict[str, Any]:
    """Per-rater confusion against the latent truth, and the judge's accuracy with a CI."""
    codes = np.column_stack([human, judge]).astype(np.int64)
    codes = codes[(codes >= 0).sum(axis=1) > 0]
    # Only labels someone used: a class nobody chose has no identifiable confusion row.
    used = np.unique(codes[codes >= 0])
    categories = [categories[c] for c in used]
    remap = np.full(int(used.max()) + 2 if len(used) else 1, -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    codes = np.where(codes >= 0, remap[codes], -1)
    k = len(categories)
    post, priors, errors = crowdkit_fit(codes, k)
    names = [*raters, judge_name]
    per_rater = []
    for j, name in enumerate(names):
        labelled = codes[:, j] >= 0
        hit = post[labelled, codes[labelled, j]]
        per_rater.append(
            {
                "rater": name,
                "is_judge": j == len(raters),
                "n": int(labelled.sum()),
                "accuracy": float(hit.mean()) if len(hit) else None,
                # Rows: the latent truth; columns: the rater's label (P(label | truth)).
                "confusion": errors[j].tolist(),
            }
        )
    judge_entry = _judge_ci(codes, post, k, n_boot, rng, confidence)
    truth = post.argmax(axis=1)
    jl = codes[:, -1] >= 0
    section = {
        "method": "Dawid-Skene EM (crowd-kit), judge included as a rater",
        "labels": list(categories),
        "n_items": len(codes),
        "priors": {c: float(p) for c, p in zip(categories, priors, strict=True)},
        "raters": per_rater,
        "judge_accuracy": judge_entry,
        "judge_agrees_with_ds_label": float((truth[jl] == codes[jl, -1]).mean())
        if jl.any()
        else None,
    }
    section["summary"] = _summary(section, judge_name)
    return section


def _judge_ci(
    codes: IntArray,
    post: FloatArray,
    k: int,
    n_boot: int,
    rng: np.random.Generator,
    confidence: float,
) -> dict[str, Any]:
    """The judge's posterior-expected accuracy, bootstrap over items refitting the model."""
    judge = codes[:, -1]
    has = judge >= 0
    value = float(post[has, judge[has]].mean()) if has.any() else float("nan")
    entry: dict[str, Any] = {
        "value": value if np.isfinite(value) else None,
        "ci_low": None,
        "ci_high": None,
        "method": "bootstrap over items, model refitted per replicate",
    }
    if n_boot <= 0 or not has.any():
        return entry
    types, first, freq = _row_types(codes.astype(np.float64))
    patterns = codes[first]
    reps: list[FloatArray] = []
    for start in range(0, n_boot, _BLOCK):
        size = min(_BLOCK, n_boot - start)
        counts = rng.multinomial(len(codes), freq / freq.sum(), size=size).astype(np.float64)
        post_b, _, _ = em_counts(patterns, counts, k)
        reps.append(_judge_accuracy(post_b, patterns[:, -1], counts))
    lo, hi = _percentile_ci(np.concatenate(reps), confidence)
    entry["ci_low"], entry["ci_high"] = lo, hi
    return entry


def ds_reference(codes: IntArray, k: int) -> npt.NDArray[np.int64]:
    """The Dawid-Skene label per item (humans only; -1 where an item has no vote)."""
    has = (codes >= 0).any(axis=1)
    out = np.full(codes.shape[0], -1, dtype=np.int64)
    if has.any():
        used = np.unique(codes[codes >= 0])
        remap = np.full(k, -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        sub = codes[has]
        post, _, _ = crowdkit_fit(np.where(sub >= 0, remap[sub], -1), len(used))
        out[has] = used[post.argmax(axis=1)]
    return out


def _summary(section: dict[str, Any], judge_name: str) -> list[str]:
    """Plain words: how the judge ranks among the raters against the latent truth."""
    rows = [r for r in section["raters"] if r["accuracy"] is not None]
    ranked = sorted(rows, key=lambda r: -r["accuracy"])
    place = next((i for i, r in enumerate(ranked) if r["is_judge"]), None)
    acc = section["judge_accuracy"]
    if acc["value"] is None or place is None:
        return ["The judge labelled none of these items, so the rater model cannot rate it."]
    ci = (
        f" (95% CI {acc['ci_low']:.0%}–{acc['ci_high']:.0%})"
        if acc.get("ci_low") is not None
        else ""
    )
    best = ranked[0]
    return [
        f"Against the truth a rater model infers from everyone's labels, {judge_name} is right "
        f"on about {acc['value']:.0%} of items{ci}: rank {place + 1} of {len(ranked)} raters.",
        f"Most reliable rater: {best['rater']} ({best['accuracy']:.0%}).",
    ]
