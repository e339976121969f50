"""The model's real pass rate: PPI++ over the whole run, Rogan–Gladen, judge TPR / TNR.

The judge labels every case of a run; humans label a sample (random, or stratified with known
inclusion probabilities π). The human-defined pass rate of the whole run is then estimated
three ways (ADR 0014):

- judge only: the judge's pass share over the run, exact for the judge and biased for humans;
- human only: the Hájek (1/π) mean of the human verdicts on the sample, unbiased and wide;
- corrected (PPI++): judge share over the run plus the weighted mean of the human-minus-judge
  rectifier on the sample, power-tuned (λ in [0, 1]) by `ppi_py` (Angelopoulos, Duchi & Zrnic
  2023), with design weights normalised to mean 1;
- Rogan–Gladen: (judge share + TNR − 1) / (TPR + TNR − 1), TPR and TNR measured on the sample,
  interval by stratified bootstrap of the sample (the judge share over the run is exact).

TPR = P(judge pass | human pass) and TNR = P(judge fail | human fail) with Wilson intervals
(at Kish's effective n when weighted): the "judge certification" of awslabs'
calibrated-agent-evaluation gates on their 95% lower bounds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from evalguard_core.alignment.common import FloatArray, IntArray
from evalguard_core.alignment.intervals import _wilson
from evalguard_core.alignment.prepare import _normalise, _numeric
from evalguard_core.alignment.resample import _Resampler

# Label spellings read as "pass" when the user names no positive label (after normalise_label).
POSITIVE_SPELLINGS = ("pass", "passed", "true", "yes", "correct", "good", "1", "positive")
# Gate names this section answers to (`--fail-under corrected_pass_rate=0.8`).
PASS_RATE_GATES = {
    "corrected_pass_rate": "corrected",
    "human_pass_rate": "human_only",
    "rogan_gladen_pass_rate": "rogan_gladen",
    "tpr": "tpr",
    "tnr": "tnr",
}


def positive_label(categories: list[str], positive: str | None) -> str | None:
    """The label that means "pass": the user's choice, else a usual spelling; None if unknown."""
    if positive is not None:
        from evalguard_core.alignment.prepare import normalise_label

        canon = normalise_label(positive)
        if canon not in categories:
            raise ValueError(
                f"positive label {positive!r} is not among the labels ({', '.join(categories)})"
            )
        return canon
    found = [c for c in POSITIVE_SPELLINGS if c in categories]
    return found[0] if found else None


def design_weights(
    items: np.ndarray, design: pd.DataFrame | None
) -> tuple[FloatArray, IntArray] | None:
    """Hájek post-stratified weights and stratum codes of the labelled items (None: no design).

    Same rule as the weighted report section: w = (1/π) N_h / Σ_labelled-in-h 1/π.
    """
    if design is None or design.empty:
        return None
    d_item = _normalise(design["item"])
    d_stratum = _normalise(design["stratum"])
    d_stratum = np.where(d_stratum == None, "(none)", d_stratum).astype(str)  # noqa: E711
    d_prob = _numeric(design["inclusion_prob"], "design inclusion_prob")
    pos = pd.Index(d_item).get_indexer(items)
    if (pos < 0).any():
        return None
    inv = 1.0 / d_prob
    strata_names, strata = np.unique(d_stratum[pos], return_inverse=True)
    weight = inv[pos].astype(np.float64)
    for h, name in enumerate(strata_names):
        mine = strata == h
        weight[mine] *= float(inv[d_stratum == name].sum()) / float(weight[mine].sum())
    return weight, strata.astype(np.int64)


def _ppi(
    y: FloatArray,
    yhat: FloatArray,
    yhat_run: FloatArray,
    w: FloatArray,
    strata: IntArray,
    confidence: float,
) -> dict[str, Any]:
    """PPI++ mean: point and power-tuning λ by ppi_py, interval with the design's variance.

    ppi_py's interval treats the weighted sample as one with-replacement draw, which ignores the
    stratification gain (97% coverage measured under judge-verdict strata); the rectifier's
    stratified linearisation variance plus ppi_py's own judge-side term λ²·Var(f)/N keeps the
    interval design-based (ADR 0014). Without a design both agree to O(1/n).
    """
    from ppi_py import ppi_mean_pointestimate
    from scipy.stats import norm

    wn = w / w.mean()
    point = float(np.asarray(ppi_mean_pointestimate(y, yhat, yhat_run, w=wn)).ravel()[0])
    # θ(λ) = λ·(judge mean − weighted judge mean on the sample) + weighted human mean.
    gap = float(yhat_run.mean() - (wn * yhat).mean())
    lam = (point - float((wn * y).mean())) / gap if abs(gap) > 1e-12 else 0.0
    lam = min(max(lam, 0.0), 1.0)
    rect_var = _strat_var(y - lam * yhat, w, strata)
    judge_var = lam**2 * float(yhat_run.var()) / len(yhat_run)
    half = float(norm.ppf(0.5 + confidence / 2)) * math.sqrt(rect_var + judge_var)
    return {
        "value": min(max(point, 0.0), 1.0),
        "ci_low": max(point - half, 0.0),
        "ci_high": min(point + half, 1.0),
        "method": "ppi++",
        "lambda": lam,
    }


def _strat_var(v: FloatArray, w: FloatArray, strata: IntArray) -> float:
    """Variance of the Hájek mean of v: stratified linearisation, with replacement within strata."""
    total = float(w.sum())
    mean = float((w * v).sum() / total)
    z = w * (v - mean) / total
    var = 0.0
    for h in np.unique(strata):
        zh = z[strata == h]
        m = len(zh)
        if m > 1:
            var += m / (m - 1) * float(((zh - zh.mean()) ** 2).sum())
    return var


def _hajek_mean(
    y: FloatArray, w: FloatArray, strata: IntArray, confidence: float
) -> dict[str, Any]:
    """Weighted mean with the stratified linearisation (with-replacement) variance."""
    from scipy.stats import norm

    mean = float((w * y).sum() / w.sum())
    half = float(norm.ppf(0.5 + confidence / 2)) * math.sqrt(_strat_var(y, w, strata))
    return {
        "value": mean,
        "ci_low": max(mean - half, 0.0),
        "ci_high": min(mean + half, 1.0),
        "method": "hajek-normal",
    }


def _rate(hits: FloatArray, w: FloatArray, confidence: float, weighted: bool) -> dict[str, Any]:
    """A conditional rate with Wilson's interval (Kish effective n when weighted)."""
    if len(hits) == 0:
        return {"value": None, "ci_low": None, "ci_high": None, "method": "wilson", "n": 0}
    if not weighted:
        entry = _wilson(float(hits.sum()), len(hits), confidence)
    else:
        p = float((w * hits).sum() / w.sum())
        n_eff = float(w.sum() ** 2 / (w**2).sum())
        from statsmodels.stats.proportion import proportion_confint

        lo, hi = proportion_confint(p * n_eff, n_eff, alpha=1.0 - confidence, method="wilson")
        entry = {"value": p, "ci_low": float(lo), "ci_high": float(hi), "method": "wilson"}
    entry["n"] = len(hits)
    return entry


def rogan_gladen(judge_rate: float, tpr: float, tnr: float) -> float | None:
    """(p + TNR − 1) / (TPR + TNR − 1) clipped to [0, 1]; None when the judge is uninformative."""
    youden = tpr + tnr - 1.0
    if not math.isfinite(youden) or youden <= 1e-9:
        return None
    return min(max((judge_rate + tnr - 1.0) / youden, 0.0), 1.0)


def _rg_interval(
    y: FloatArray,
    yhat: FloatArray,
    w: FloatArray,
    strata: IntArray,
    judge_rate: float,
    n_boot: int,
    rng: np.random.Generator,
    confidence: float,
) -> tuple[float | None, float | None]:
    """Percentile interval of Rogan–Gladen by stratified bootstrap of the labelled sample."""
    if n_boot == 0:
        return None, None
    rs = _Resampler(np.column_stack([y, yhat, w]), n_boot, rng, strata=strata)
    first = np.zeros(rs.n_types, dtype=np.int64)
    first[rs.unit_type] = np.arange(len(y))
    ty, tyh, tw = y[first], yhat[first], w[first]
    values: list[FloatArray] = []
    for counts in rs.chunks():
        cw = counts * tw
        pos, neg = cw @ ty, cw @ (1 - ty)
        with np.errstate(divide="ignore", invalid="ignore"):
            tpr = (cw @ (ty * tyh)) / pos
            tnr = (cw @ ((1 - ty) * (1 - tyh))) / neg
            youden = tpr + tnr - 1.0
            rg = np.where(youden > 1e-9, (judge_rate + tnr - 1.0) / youden, np.nan)
        values.append(np.clip(rg, 0.0, 1.0))
    reps = np.concatenate(values)
    reps = reps[np.isfinite(reps)]
    if len(reps) < max(10, n_boot // 2):
        return None, None
    tail = (1.0 - confidence) / 2
    return float(np.quantile(reps, tail)), float(np.quantile(reps, 1 - tail))


def pass_rate_section(
    y: FloatArray,
    yhat: FloatArray,
    yhat_run: FloatArray,
    *,
    positive: str,
    weights: tuple[FloatArray, IntArray] | None,
    n_boot: int,
    rng: np.random.Generator,
    confidence: float,
) -> dict[str, Any]:
    """The pass-rate section: judge-only, human-only, PPI++ and Rogan–Gladen, with TPR / TNR.

    `y` and `yhat` are the human and judge pass indicators (0/1) on the labelled items, `yhat_run`
    the judge's indicator on every case of the run (labelled ones included).
    """
    n, big_n = len(y), len(yhat_run)
    weighted = weights is not None
    w, strata = weights if weights is not None else (np.ones(n), np.zeros(n, dtype=np.int64))
    judge_rate = float(yhat_run.mean())
    human = _hajek_mean(y, w, strata, confidence)
    corrected = _ppi(y, yhat, yhat_run, w, strata, confidence)
    tpr = _rate(yhat[y == 1], w[y == 1], confidence, weighted)
    tnr = _rate(1 - yhat[y == 0], w[y == 0], confidence, weighted)
    rg_value = (
        rogan_gladen(judge_rate, tpr["value"], tnr["value"])
        if tpr["value"] is not None and tnr["value"] is not None
        else None
    )
    rg_lo, rg_hi = (
        _rg_interval(y, yhat, w, strata, judge_rate, n_boot, rng, confidence)
        if rg_value is not None
        else (None, None)
    )
    section = {
        "positive": positive,
        "run_cases": big_n,
        "labelled": n,
        "weighted": weighted,
        "confidence": confidence,
        "judge_only": {"value": judge_rate, "ci_low": None, "ci_high": None, "method": "exact"},
        "human_only": human,
        "corrected": corrected,
        "rogan_gladen": {
            "value": rg_value,
            "ci_low": rg_lo,
            "ci_high": rg_hi,
            "method": "bootstrap-percentile",
        },
        "tpr": tpr,
        "tnr": tnr,
    }
    section["summary"] = pass_rate_summary(section)
    return section


def _pct(x: float | None) -> str:
    """A rate as a whole percentage ("—" when undefined)."""
    return "—" if x is None else f"{100 * x:.1f}%"


def pass_rate_summary(section: dict[str, Any]) -> list[str]:
    """Plain-words lines for the pass-rate section (pages, Markdown, CLI text)."""
    c, j, h = section["corrected"], section["judge_only"], section["human_only"]
    tpr, tnr = section["tpr"], section["tnr"]
    lines = [
        f"By human standards, about {_pct(c['value'])} of the run's {section['run_cases']} "
        f"cases pass ({_pct(c['ci_low'])} to {_pct(c['ci_high'])}, "
        f"{section['confidence']:.0%} confidence), using the judge on every case and "
        f"{section['labelled']} human labels to correct it.",
        f"The judge alone says {_pct(j['value'])}; the human labels alone say "
        f"{_pct(h['value'])} ({_pct(h['ci_low'])} to {_pct(h['ci_high'])}).",
    ]
    if tpr["value"] is not None and tnr["value"] is not None:
        certified = (tpr["ci_low"] or 0) >= 0.8 and (tnr["ci_low"] or 0) >= 0.8
        lines.append(
            f"The judge passes {_pct(tpr['value'])} of the cases humans pass (at least "
            f"{_pct(tpr['ci_low'])}) and fails {_pct(tnr['value'])} of those humans fail "
            f"(at least {_pct(tnr['ci_low'])}): "
            + (
                "certified (both lower bounds ≥ 80%)."
                if certified
                else "not certified at the 80% bar on both lower bounds."
            )
        )
    else:
        lines.append(
            "TPR / TNR need human labels of both kinds (pass and fail); "
            "the Rogan–Gladen correction is not computed."
        )
    return lines
