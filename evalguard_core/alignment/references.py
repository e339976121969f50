"""Reference resolution: pair the judge with consensus, each vote, or one rater."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from evalguard_core.alignment.common import IntArray
from evalguard_core.alignment.prepare import _Data

DS_REFERENCE = "dawid-skene"


@dataclass
class _Comparison:
    """Judge-vs-reference observations on the compared items."""

    items: IntArray  # indices into the item universe, one per compared item (unit)
    obs_unit: IntArray  # unit (0..n-1) of each observation
    ref: npt.NDArray[Any]  # reference value per observation (code or score)
    pred: npt.NDArray[Any]  # judge value per observation
    clustered: bool  # several observations per unit (reference="each")
    no_majority: int = 0


def _resolve_reference(data: _Data, reference: str) -> _Comparison:
    """Pair the judge with the requested reference on items both sides labelled."""
    rated = data.rated()
    judged = data.judged()
    if reference == "each":
        items = np.flatnonzero(judged & rated.any(axis=1))
        sub = rated[items]
        unit, rater = np.nonzero(sub)
        ref = data.human[items][unit, rater]
        pred = data.judge[items][unit]
        return _Comparison(items, unit.astype(np.int64), ref, pred, clustered=True)
    if reference == DS_REFERENCE:
        if not data.categorical:
            raise ValueError("reference dawid-skene needs labels, not scores")
        from evalguard_core.alignment.ratermodel import ds_reference

        ref_all = ds_reference(data.human, len(data.categories))
        items = np.flatnonzero((ref_all >= 0) & judged)
        unit = np.arange(len(items), dtype=np.int64)
        return _Comparison(items, unit, ref_all[items], data.judge[items], clustered=False)
    if reference == "consensus":
        if data.categorical:
            ref_all, has_votes = _majority(data.human, len(data.categories))
            no_majority = int((has_votes & (ref_all < 0) & judged).sum())
            items = np.flatnonzero((ref_all >= 0) & judged)
            ref = ref_all[items]
        else:
            n_votes = rated.sum(axis=1)
            items = np.flatnonzero((n_votes > 0) & judged)
            ref = np.nansum(data.human[items], axis=1) / n_votes[items]
            no_majority = 0
    else:
        if reference not in data.raters:
            raise ValueError(
                f"reference must be 'consensus', 'each', 'dawid-skene' or a rater name; no rater "
                f"{reference!r} (raters: {', '.join(data.raters[:20])})"
            )
        col = data.raters.index(reference)
        items = np.flatnonzero(rated[:, col] & judged)
        ref = data.human[items, col]
        no_majority = 0
    unit = np.arange(len(items), dtype=np.int64)
    return _Comparison(
        items, unit, ref, data.judge[items], clustered=False, no_majority=no_majority
    )


def _majority(codes: IntArray, k: int) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Strict-majority label per item (-1 when none) and whether the item has any vote."""
    n_items = codes.shape[0]
    item, rater = np.nonzero(codes >= 0)
    votes = np.bincount(item * k + codes[item, rater], minlength=n_items * k).reshape(n_items, k)
    total = votes.sum(axis=1)
    top = votes.max(axis=1) if k else np.zeros(n_items, dtype=np.int64)
    winner = votes.argmax(axis=1) if k else np.zeros(n_items, dtype=np.int64)
    # Strict majority: a 2-2 split or a 1-1-1 spread has no consensus.
    return np.where((total > 0) & (2 * top > total), winner, -1), total > 0
