"""Position bias of a pairwise judge, and of human raters per displayed side (pure, no I/O).

Verdicts are always in candidate terms: "A" means the run's `output_a` won, whichever side it
was shown on. An order says which candidate was shown first: "AB" (A first) or "BA".

Definitions (docs/adr/0017):
- positional agreement (LLMBar, Zeng et al. 2024): the share of items, judged in both orders,
  whose verdict is the same in both (A and A, B and B, tie and tie);
- flip rate: the share of those items whose winner reverses (A in one order, B in the other);
  the rest (a tie in one order only) is `tie_in_one_order`;
- first-position win rate: among verdicts with a winner, the share won by the candidate shown
  first, with a two-sided exact binomial test against 1/2 (scipy.stats.binomtest). With both
  orders on every item this is order-balanced, so a judge without bias sits at 1/2 whatever
  the candidates' quality; with one order per item it needs the orders to be randomised;
- agreement with humans per order: the judge's accuracy against the human reference on the
  verdicts given in each order (Wilson intervals).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import binomtest

from evalguard_core.alignment.common import ObjArray
from evalguard_core.alignment.intervals import _wilson

ORDERS = ("AB", "BA")


def _first_shown_won(verdicts: ObjArray, orders: ObjArray) -> tuple[int, int]:
    """(wins of the candidate shown first, verdicts with a winner)."""
    decided = (verdicts == "A") | (verdicts == "B")
    first = np.where(orders == "AB", "A", "B")
    return int(((verdicts == first) & decided).sum()), int(decided.sum())


def first_position(verdicts: ObjArray, orders: ObjArray, confidence: float) -> dict[str, Any]:
    """First-position win rate with its Wilson interval and exact binomial p-value vs 1/2."""
    wins, n = _first_shown_won(verdicts, orders)
    entry = _wilson(wins, n, confidence)
    entry["wins"] = wins
    entry["n"] = n
    entry["p_value"] = float(binomtest(wins, n, 0.5).pvalue) if n else None
    return entry


def _per_order_agreement(
    verdicts: ObjArray, orders: ObjArray, reference: ObjArray, confidence: float
) -> dict[str, Any]:
    """Accuracy of the verdicts against the reference, per presentation order."""
    out: dict[str, Any] = {}
    has_ref = reference != None  # noqa: E711 - elementwise on object arrays
    for order in ORDERS:
        sel = (orders == order) & has_ref
        entry = _wilson(float((verdicts[sel] == reference[sel]).sum()), int(sel.sum()), confidence)
        entry["n"] = int(sel.sum())
        out[order] = entry
    return out


def judge_position_section(
    items: ObjArray,
    orders: ObjArray,
    verdicts: ObjArray,
    reference: dict[str, str],
    *,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Position-bias figures of a judge from verdict observations (item, order, verdict).

    `reference` maps an item to the human reference verdict (A / B / tie) where there is one.
    """
    items = np.asarray(items, dtype=object)
    orders = np.asarray(orders, dtype=object)
    verdicts = np.asarray(verdicts, dtype=object)
    ab = {k: v for k, o, v in zip(items, orders, verdicts, strict=True) if o == "AB"}
    ba = {k: v for k, o, v in zip(items, orders, verdicts, strict=True) if o == "BA"}
    both = sorted(set(ab) & set(ba))
    same = sum(ab[k] == ba[k] for k in both)
    flips = sum({ab[k], ba[k]} == {"A", "B"} for k in both)
    paired: dict[str, Any] = {"n": len(both)}
    if both:
        paired["positional_agreement"] = _wilson(same, len(both), confidence)
        paired["flip_rate"] = _wilson(flips, len(both), confidence)
        paired["tie_in_one_order"] = _wilson(len(both) - same - flips, len(both), confidence)
    ref = np.array([reference.get(k) for k in items], dtype=object)
    section = {
        "n_verdicts": len(verdicts),
        "orders": {o: int((orders == o).sum()) for o in ORDERS},
        "both_orders": paired,
        "first_position_win_rate": first_position(verdicts, orders, confidence),
        "agreement_by_order": _per_order_agreement(verdicts, orders, ref, confidence),
    }
    section["summary"] = _judge_summary(section)
    return section


def human_position_section(
    items: ObjArray,
    raters: ObjArray,
    orders: ObjArray,
    labels: ObjArray,
    judge: dict[str, str],
    *,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Human raters per displayed order: first-side pick rate, agreement with the judge and with
    the other raters' strict majority (leave the rater out)."""
    items = np.asarray(items, dtype=object)
    raters = np.asarray(raters, dtype=object)
    orders = np.asarray(orders, dtype=object)
    labels = np.asarray(labels, dtype=object)
    by_item: dict[Any, list[tuple[Any, Any]]] = {}
    for k, r, lab in zip(items, raters, labels, strict=True):
        by_item.setdefault(k, []).append((r, lab))
    others = np.array(
        [
            _majority([lab for rr, lab in by_item[k] if rr != r])
            for k, r in zip(items, raters, strict=True)
        ],
        dtype=object,
    )
    judged = np.array([judge.get(k) for k in items], dtype=object)
    per_order: dict[str, Any] = {}
    for order in ORDERS:
        sel = orders == order
        per_order[order] = {
            "n": int(sel.sum()),
            "agreement_with_judge": _per_order_agreement(
                labels[sel], orders[sel], judged[sel], confidence
            )[order],
            "agreement_with_other_raters": _per_order_agreement(
                labels[sel], orders[sel], others[sel], confidence
            )[order],
        }
    section = {
        "n_labels": len(labels),
        "first_position_win_rate": first_position(labels, orders, confidence),
        "by_order": per_order,
    }
    section["summary"] = _human_summary(section)
    return section


def _majority(votes: list[Any]) -> Any:
    """The strict-majority vote, None without one."""
    if not votes:
        return None
    values, counts = np.unique(np.asarray(votes, dtype=object).astype(str), return_counts=True)
    top = int(counts.argmax())
    return str(values[top]) if 2 * counts[top] > len(votes) else None


def _pct(entry: dict[str, Any] | None) -> str:
    """A proportion entry as 'x% (CI lo–hi%)'."""
    if not entry or entry.get("value") is None:
        return "n/a"
    return f"{entry['value']:.0%} (95% CI {entry['ci_low']:.0%}–{entry['ci_high']:.0%})"


def _bias_words(first: dict[str, Any], who: str) -> str:
    """Plain words on the first-position win rate."""
    if not first["n"]:
        return f"{who} named no winner, so first-position bias cannot be measured."
    p = first["p_value"]
    side = "first" if first["value"] > 0.5 else "second"
    verdict = (
        f"{who} favours the {side}-shown answer (p = {p:.3g})"
        if p < 0.05
        else f"no clear preference for either side (p = {p:.3g})"
    )
    return f"{verdict}: the first-shown answer won {_pct(first)} of {first['n']} decided verdicts."


def _judge_summary(section: dict[str, Any]) -> list[str]:
    """Plain words first: consistency across orders, side preference, accuracy per order."""
    lines = []
    both = section["both_orders"]
    if both["n"]:
        lines.append(
            f"Judged in both orders on {both['n']} items: the same verdict both times on "
            f"{_pct(both['positional_agreement'])}; the winner reversed on "
            f"{_pct(both['flip_rate'])}."
        )
    else:
        lines.append("No item was judged in both orders: flip rate and consistency need both.")
    lines.append(_bias_words(section["first_position_win_rate"], "The judge"))
    agree = section["agreement_by_order"]
    if agree["AB"]["n"] and agree["BA"]["n"]:
        lines.append(
            f"Agreement with humans: {_pct(agree['AB'])} when A was shown first, "
            f"{_pct(agree['BA'])} when B was shown first."
        )
    return lines


def _human_summary(section: dict[str, Any]) -> list[str]:
    """Plain words for the human raters' side preference and agreement per order."""
    lines = [_bias_words(section["first_position_win_rate"], "Human raters")]
    for order in ORDERS:
        entry = section["by_order"][order]
        if entry["n"]:
            lines.append(
                f"Shown {order[0]} first ({entry['n']} labels): agree with the judge on "
                f"{_pct(entry['agreement_with_judge'])}, with the other raters' majority on "
                f"{_pct(entry['agreement_with_other_raters'])}."
            )
    return lines
