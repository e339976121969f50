"""An alignment report in plain words and in the shapes its charts and tables need.

The Alignment page (and anyone reading a report) gets one sentence a non-statistician can act
on -- does the judge agree with the raters, how sure are we, may it gate CI -- built from the
same verdict as Home and the CI gate (reports.verdict), never from a second rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from evalguard_core import reports
from evalguard_core.alignment.common import LOWER_IS_BETTER
from evalguard_core.alignment.gating import GATE_MIN_N

Status = Literal["pass", "fail", "undecided", "too_few", "no_data"]

# Short symbols a reader knows from papers; other metrics keep their names.
SYMBOLS = {"cohen_kappa": "κ", "pearson": "r", "spearman": "ρ", "kendall_tau": "τ"}

# Landis & Koch (1977): the usual words for a kappa, so "0.41" reads as "moderate".
_KAPPA_WORDS = (
    (0.2, "slight"),
    (0.4, "fair"),
    (0.6, "moderate"),
    (0.8, "substantial"),
    (math.inf, "almost perfect"),
)

# Below this gap two kappas (or correlations) read as "about the same" when there is no
# interval to compare against.
_SAME_WITHOUT_CI = 0.05


@dataclass(frozen=True)
class PlainVerdict:
    """The verdict in words: status, the sentence to show first, and the figures behind it."""

    status: Status
    sentence: str
    metric: str
    bar: float
    value: float | None
    ci_low: float | None
    ci_high: float | None
    strength: str | None
    comparison: str | None

    @property
    def gates(self) -> bool:
        """True when the judge may gate CI (the same answer as reports.verdict)."""
        return self.status == "pass"


def symbol(metric: str) -> str:
    """The metric's short symbol (κ, r, …) or its name."""
    return SYMBOLS.get(metric, metric)


def kappa_strength(value: float | None) -> str | None:
    """Landis & Koch's word for a kappa value ('moderate' for 0.41), None without a value."""
    if value is None or math.isnan(value):
        return None
    if value < 0:
        return "poor"
    for upper, word in _KAPPA_WORDS:
        if value <= upper:
            return word
    return None  # unreachable: the last bound is infinite


def _num(x: Any) -> float | None:
    """A finite float or None."""
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def figure(metric: str, entry: dict[str, Any] | None, digits: int = 2) -> str:
    """'κ 0.41 (0.27–0.55)', or 'κ 0.41' without an interval, or 'κ n/a'."""
    entry = entry or {}
    value = _num(entry.get("value"))
    if value is None:
        return f"{symbol(metric)} n/a"
    low, high = _num(entry.get("ci_low")), _num(entry.get("ci_high"))
    text = f"{symbol(metric)} {value:.{digits}f}"
    if low is not None and high is not None:
        # "-0.38–0.49" misreads as a subtraction: spell the range out when it starts below 0.
        dash = " to " if low < 0 else "–"
        text += f" ({low:.{digits}f}{dash}{high:.{digits}f})"
    return text


def compare_with_humans(
    judge_each: dict[str, Any] | None, human_human: dict[str, Any] | None
) -> str | None:
    """How the judge agrees with raters, next to how raters agree with each other (like for like).

    'about as well as' when the judge's figure lies inside the raters' interval, 'more closely
    than' above it and 'less well than' below it; None when either side is missing.
    """
    judge = _num((judge_each or {}).get("value"))
    human = _num((human_human or {}).get("value"))
    if judge is None or human is None:
        return None
    low = _num((human_human or {}).get("ci_low"))
    high = _num((human_human or {}).get("ci_high"))
    if low is None or high is None:
        low, high = human - _SAME_WITHOUT_CI, human + _SAME_WITHOUT_CI
    if judge > high:
        return "more closely than"
    if judge < low:
        return "less well than"
    return "about as well as"


def plain_verdict(report: dict[str, Any], *, bar: float = reports.VERDICT_BAR) -> PlainVerdict:
    """The report's verdict as one plain sentence, consistent with reports.verdict and the gate.

    pass: the interval's pessimistic end clears the bar (and enough items were compared);
    fail: even the optimistic end misses it; undecided: the interval straddles the bar;
    too_few: fewer items than the gate needs; no_data: the metric is undefined on these labels.
    """
    v = reports.verdict(report, bar=bar)
    metric: str = v["metric"]
    entry = v["entry"] or {}
    value = _num(entry.get("value"))
    low, high = _num(entry.get("ci_low")), _num(entry.get("ci_high"))
    n = int(report.get("n") or 0)
    strength = kappa_strength(value) if "kappa" in metric else None
    comparison = compare_with_humans(v["judge_vs_each_human"], v["human_vs_human"])

    def result(status: Status, sentence: str) -> PlainVerdict:
        return PlainVerdict(status, sentence, metric, bar, value, low, high, strength, comparison)

    if n < GATE_MIN_N:
        if n == 0:
            return result(
                "too_few",
                "No case has both a judge verdict and a human label yet: label some cases "
                "before asking whether the judge can be trusted.",
            )
        shown = (
            f" So far {figure(metric, entry)}, too uncertain to act on."
            if value is not None
            else ""
        )
        return result(
            "too_few",
            f"Too few labels to tell yet: only {n} {'case has' if n == 1 else 'cases have'} both a "
            f"judge verdict and a human label, and the verdict needs {GATE_MIN_N}. Label "
            f"{GATE_MIN_N - n} more.{shown}",
        )
    if value is None:
        return result(
            "no_data",
            f"The judge's agreement ({metric}) cannot be computed on these labels (for "
            "example every label is the same), so it cannot gate CI.",
        )

    against = (
        "Against their consensus (the majority label)"
        if report.get("reference") == "consensus"
        else "Against every rater's label"
    )
    if comparison:
        like = "pearson" if metric == "pearson" else "cohen_kappa"
        judge_fig = _num((v["judge_vs_each_human"] or {}).get("value"))
        human_fig = _num((v["human_vs_human"] or {}).get("value"))
        opening = (
            f"The judge agrees with your raters {comparison} they agree with each other "
            f"({symbol(like)} {judge_fig:.2f} vs {human_fig:.2f} on the same cases). {against}"
        )
    else:
        opening = f"The judge agrees with your raters. {against}"
    lower_better = metric in LOWER_IS_BETTER
    lo = low if low is not None else value
    hi = high if high is not None else value
    pessimistic, optimistic = (hi, lo) if lower_better else (lo, hi)
    misses_everywhere = optimistic > bar if lower_better else optimistic < bar
    clears = pessimistic <= bar if lower_better else pessimistic >= bar
    bar_text = f"your bar is {bar:.2f}"
    if v["passed"]:
        status: Status = "pass"
        decision = (
            f"{bar_text} and even the {_end(lower_better, True)} clears it, so it can gate CI."
        )
    elif misses_everywhere:
        status = "fail"
        decision = (
            f"{bar_text} and even the {_end(lower_better, False)} falls short, so it should not "
            "gate CI."
        )
    else:
        status = "undecided"
        decision = (
            f"{bar_text}, so it may not gate CI yet: the interval straddles the bar, and more "
            "labels will narrow it."
        )
        if clears:
            # The interval clears the bar but the gate still refuses (e.g. a sequential gate).
            decision = f"{bar_text}, but the gate does not pass yet: {'; '.join(v['reasons'])}."
    sentence = f"{opening}: {figure(metric, entry)}; {decision}"
    if comparison is None:
        sentence += (
            " No two raters labelled the same cases, so there is no human agreement to compare "
            "with."
        )
    return result(status, sentence)


def _end(lower_better: bool, pessimistic: bool) -> str:
    """'low end' / 'high end' of the interval, the side that matters for the bar."""
    return "low end" if lower_better != pessimistic else "high end"


def forest_rows(
    report: dict[str, Any], *, bar: float = reports.VERDICT_BAR
) -> list[dict[str, Any]]:
    """One row per metric on an agreement scale (value with its interval) for the forest plot.

    Error metrics (mae) are on the score's own scale and stay in the table. The verdict metric
    carries the bar; other metrics have none (the verdict gates on one metric only).
    """
    verdict_metric = reports.verdict_metric(report)
    rows = []
    for name, entry in (report.get("metrics") or {}).items():
        value = _num((entry or {}).get("value"))
        if name in LOWER_IS_BETTER or value is None:
            continue
        rows.append(
            {
                "metric": name,
                "value": value,
                "ci_low": _num(entry.get("ci_low")),
                "ci_high": _num(entry.get("ci_high")),
                "method": entry.get("method"),
                "verdict": name == verdict_metric,
                "bar": bar if name == verdict_metric else None,
            }
        )
    return rows


def human_band_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Judge vs each human beside human vs human on the same items (the like-for-like band)."""
    v = reports.verdict(report)
    like = "pearson" if v["metric"] == "pearson" else "cohen_kappa"
    rows = []
    for who, entry in (
        ("judge vs each human", v["judge_vs_each_human"]),
        ("human vs human", v["human_vs_human"]),
    ):
        value = _num((entry or {}).get("value"))
        if value is not None:
            rows.append(
                {
                    "comparison": who,
                    "metric": like,
                    "value": value,
                    "ci_low": _num(entry.get("ci_low")),
                    "ci_high": _num(entry.get("ci_high")),
                }
            )
    return rows


def confusion_cells(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every (human, judge) cell with its count and its share of the human row (row %)."""
    conf = report.get("confusion") or {}
    labels = conf.get("labels") or []
    matrix = conf.get("matrix") or []
    cells = []
    for a, human in enumerate(labels):
        row = matrix[a] if a < len(matrix) else []
        total = sum(row)
        for b, judge in enumerate(labels):
            count = int(row[b]) if b < len(row) else 0
            share = count / total if total else 0.0
            cells.append(
                {
                    "human": str(human),
                    "judge": str(judge),
                    "count": count,
                    "row_share": share,
                    "text": f"{count:,}\n{share:.0%}",
                }
            )
    return cells


def stratum_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Per-stratum results (accuracy, or the score metric) with their intervals, for a chart."""
    rows = []
    for s in report.get("per_stratum") or []:
        for name in ("accuracy", "cohen_kappa", "pearson"):
            entry = s.get(name) or {}
            value = _num(entry.get("value"))
            if value is None:
                continue
            rows.append(
                {
                    "stratum": str(s.get("stratum")),
                    "n": int(s.get("n") or 0),
                    "metric": name,
                    "value": value,
                    "ci_low": _num(entry.get("ci_low")),
                    "ci_high": _num(entry.get("ci_high")),
                }
            )
    return rows


def filter_disagreements(
    rows: list[dict[str, Any]],
    *,
    judge_label: str | None = None,
    human_label: str | None = None,
    stratum: str | None = None,
    search: str | None = None,
) -> list[dict[str, Any]]:
    """The disagreements matching every given filter (search: words in case id, input, output)."""
    words = (search or "").lower().split()

    def keep(r: dict[str, Any]) -> bool:
        if judge_label is not None and str(r.get("judge_label")) != judge_label:
            return False
        if human_label is not None and str(r.get("human_label")) != human_label:
            return False
        if stratum is not None and (r.get("stratum") or "") != stratum:
            return False
        if words:
            text = " ".join(
                str(r.get(k) or "") for k in ("case_id", "input", "output", "output_a", "output_b")
            ).lower()
            return all(w in text for w in words)
        return True

    return [r for r in rows if keep(r)]


def page_of(rows: list[Any], page: int, size: int) -> tuple[list[Any], int]:
    """(the rows of 1-based `page`, number of pages); a page past the end gives the last one."""
    pages = max(1, -(-len(rows) // size))
    page = min(max(1, page), pages)
    return rows[(page - 1) * size : page * size], pages
