"""Input preparation: validate the human / judge frames and align them on items."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from evalguard_core.alignment.common import (
    INTERVAL,
    KINDS,
    NOMINAL,
    ORDINAL,
    PAIRWISE,
    PAIRWISE_LABELS,
    FloatArray,
    ObjArray,
)


def _norm_scalar(value: Any) -> str | None:
    """Canonical text of one key or label; None when missing."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if math.isnan(f):
            return None
        # 1.0 and 1 must be the same label: pandas turns int columns with gaps into floats.
        if math.isfinite(f) and f.is_integer():
            return str(int(f))
        return repr(f)
    text = str(value).strip()
    return text or None


def _normalise(values: pd.Series) -> ObjArray:
    """Canonical strings (None for missing) for a column, normalising each distinct value once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct = np.asarray(uniques, dtype=object)
    if isinstance(uniques, pd.Index) and pd.api.types.is_integer_dtype(uniques.dtype):
        # Integer keys (often 100k of them): their decimal text in one vectorised pass.
        canon = np.array(
            [*np.asarray(uniques, dtype=np.int64).astype(str).tolist(), None], dtype=object
        )
    elif pd.api.types.infer_dtype(distinct, skipna=False) == "string":
        # Item keys are usually 100k distinct strings: strip them in one vectorised pass.
        stripped = pd.Series(distinct, dtype=object).str.strip().to_numpy(dtype=object, copy=True)
        stripped[stripped == ""] = None
        canon = np.array([*stripped.tolist(), None], dtype=object)
    else:
        canon = np.array([_norm_scalar(u) for u in distinct] + [None], dtype=object)
    return canon[codes]


def _numeric(values: pd.Series, what: str) -> FloatArray:
    """Scores as floats (NaN for missing); non-numeric or infinite values are an error."""
    try:
        out = pd.to_numeric(values, errors="raise").astype(float).to_numpy()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what}: scores must be numeric ({exc})") from exc
    if np.isinf(out).any():
        raise ValueError(f"{what}: scores must be finite")
    return out


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    """The column, or an all-missing one when the frame does not have it."""
    if name in df.columns:
        return df[name]
    return pd.Series([None] * len(df), index=df.index, dtype=object)


def _is_int_text(text: str) -> bool:
    """True for an integer written in decimal, e.g. '3' or '-1'."""
    body = text[1:] if text[:1] in "+-" else text
    return body.isdigit()


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_BOOLEAN = {"true": "true", "false": "false"}


def normalise_label(value: Any) -> str | None:
    """The one rule for comparing labels: case, whitespace, number and boolean spellings.

    ``" Pass "`` and ``"pass"`` are one label, so are ``"1.0"``, ``1.0`` and ``"1"``, and
    ``"TRUE"`` and ``True``. Every view (report, disagreements, exports) compares through this.
    """
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    text = _norm_scalar(value)
    if text is None:
        return None
    low = text.casefold()
    if low in _BOOLEAN:
        return _BOOLEAN[low]
    if _NUMBER.match(low):
        f = float(low)
        if math.isfinite(f) and f.is_integer():
            return str(int(f))
        return repr(f)
    return low


def _normalise_labels(values: pd.Series, warn: list[str], side: str) -> ObjArray:
    """Canonical labels for a column; warns when distinct raw spellings collapse into one."""
    if values.dtype == object:
        # pandas hashes True == 1: spell booleans out first so they stay booleans.
        values = values.map(
            lambda v: ("true" if v else "false") if isinstance(v, (bool, np.bool_)) else v
        )
    elif pd.api.types.is_bool_dtype(values.dtype):
        values = values.map({True: "true", False: "false"})
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    raw = [_norm_scalar(u) for u in uniques]
    canon = [normalise_label(u) for u in uniques]
    spellings: dict[str, set[str]] = {}
    for r, c in zip(raw, canon, strict=True):
        if r is not None and c is not None:
            spellings.setdefault(c, set()).add(r)
    for c, seen in sorted(spellings.items()):
        if len(seen) > 1:
            shown = ", ".join(repr(s) for s in sorted(seen)[:5])
            warn.append(f"{side} labels {shown} are compared as one label {c!r}")
    return np.array(canon + [None], dtype=object)[codes]


@dataclass
class _Data:
    """Both sides aligned on one item index; codes for labels, floats for scores."""

    label_type: str
    categories: list[str]
    raters: list[str]
    human: npt.NDArray[Any]  # (items, raters): int codes (-1 missing) or float scores (NaN)
    judge: npt.NDArray[Any]  # (items,): int code (-1) or float (NaN)
    items: ObjArray  # item key (canonical text) per row of `human` / `judge`
    warnings: list[str] = field(default_factory=list)
    # Numeric value of each category on an integer scale (weighted kappa distances); None when
    # the order is declared by name (positions are then the only distance there is).
    values: FloatArray | None = None

    @property
    def categorical(self) -> bool:
        """True unless scores are compared."""
        return self.label_type != INTERVAL

    def rated(self) -> npt.NDArray[np.bool_]:
        """Mask (items, raters) of human votes present."""
        if self.categorical:
            return self.human >= 0
        return ~np.isnan(self.human)

    def judged(self) -> npt.NDArray[np.bool_]:
        """Mask (items,) of judge verdicts present."""
        if self.categorical:
            return self.judge >= 0
        return ~np.isnan(self.judge)


def _resolve_kind(
    kind: str,
    human_labels: ObjArray,
    judge_labels: ObjArray,
    human_has_score: bool,
    judge_has_score: bool,
) -> str:
    """'label', 'score' or 'pairwise' from the requested kind and what the data holds."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if kind != "auto":
        return kind
    has_h = any(v is not None for v in human_labels)
    has_j = any(v is not None for v in judge_labels)
    if has_h and has_j:
        return "label"
    if human_has_score and judge_has_score:
        return "score"
    raise ValueError(
        "nothing to compare: need labels on both sides or scores on both sides (human and judge)"
    )


def _label_scale(
    kind: str, labels: set[str], label_order: list[str] | None, warn: list[str]
) -> tuple[str, list[str]]:
    """Label type and ordered categories for the (normalised) labels seen on both sides.

    Pairwise comes only from the run or queue type (kind="pairwise"), never from the values:
    a multiple-choice a/b question is nominal.
    """
    if kind == "pairwise":
        bad = sorted(v for v in labels if v not in {"a", "b", "tie"})
        if bad:
            raise ValueError(f"pairwise labels must be A, B or tie; got {bad[:10]}")
        if label_order is not None:
            warn.append("label_order is ignored for pairwise labels (A, B, tie)")
        return PAIRWISE, list(PAIRWISE_LABELS)
    if label_order is not None:
        order = [normalise_label(v) for v in label_order]
        if any(v is None for v in order) or len(set(order)) != len(order):
            raise ValueError("label_order must list distinct, non-empty labels")
        unknown = sorted(labels - set(order))  # type: ignore[arg-type]
        if unknown:
            raise ValueError(f"labels not in label_order: {unknown[:10]}")
        return ORDINAL, [str(v) for v in order]
    if labels and all(_is_int_text(v) for v in labels):
        return ORDINAL, sorted(labels, key=int)
    return NOMINAL, sorted(labels)


def _prepare(
    human: pd.DataFrame,
    judge: pd.DataFrame,
    kind: str,
    label_order: list[str] | None,
) -> _Data:
    """Validate both frames and align them on items (raters as columns)."""
    for frame, name, cols in ((human, "human", ("item", "rater")), (judge, "judge", ("item",))):
        if not isinstance(frame, pd.DataFrame):
            raise ValueError(f"{name} must be a pandas DataFrame")
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} is missing column(s): {', '.join(missing)}")
    warn: list[str] = []

    h_item = _normalise(human["item"])
    h_rater = _normalise(human["rater"])
    h_score = _numeric(_column(human, "score"), "human")
    j_item = _normalise(judge["item"])
    # Both sides through one normalisation, so "Pass" (human) and "pass" (judge) are one label.
    both = pd.concat([_column(human, "label"), _column(judge, "label")], ignore_index=True).astype(
        object
    )
    labels = _normalise_labels(both, warn, "raw")
    h_label, j_label = labels[: len(human)], labels[len(human) :]
    j_score = _numeric(_column(judge, "score"), "judge")

    resolved = _resolve_kind(
        kind,
        h_label,
        j_label,
        bool((~np.isnan(h_score)).any()),
        bool((~np.isnan(j_score)).any()),
    )
    use_scores = resolved == "score"
    if use_scores and label_order is not None:
        warn.append("label_order is ignored when scores are compared")

    h_keep = (h_item != None) & (h_rater != None)  # noqa: E711 - elementwise on object arrays
    h_keep &= ~np.isnan(h_score) if use_scores else (h_label != None)  # noqa: E711
    j_keep = j_item != None  # noqa: E711
    j_keep &= ~np.isnan(j_score) if use_scores else (j_label != None)  # noqa: E711

    categories: list[str] = []
    if use_scores:
        label_type = INTERVAL
    else:
        seen = set(h_label[h_keep].tolist()) | set(j_label[j_keep].tolist())
        label_type, categories = _label_scale(resolved, seen, label_order, warn)

    item_ids, items = pd.factorize(np.concatenate([h_item[h_keep], j_item[j_keep]]))
    n_items = len(items)
    hi = item_ids[: int(h_keep.sum())].astype(np.int64)
    ji = item_ids[int(h_keep.sum()) :].astype(np.int64)
    raters = sorted(set(h_rater[h_keep].tolist()))
    hr = pd.Categorical(h_rater[h_keep], categories=raters).codes.astype(np.int64)

    if len(np.unique(ji)) != len(ji):
        dup = pd.Series(j_item[j_keep]).loc[pd.Series(ji).duplicated().to_numpy()]
        raise ValueError(
            f"judge has more than one verdict for {dup.nunique()} item(s), e.g. {dup.iloc[0]!r}"
        )

    # A rater may have labelled an item twice (re-annotation): the later row wins.
    key = hi * max(len(raters), 1) + hr
    _, last_rev = np.unique(key[::-1], return_index=True)
    keep_rows = np.sort(len(key) - 1 - last_rev)
    if len(keep_rows) < len(key):
        warn.append(
            f"{len(key) - len(keep_rows)} duplicate (item, rater) human row(s): "
            "kept the last one of each"
        )

    if use_scores:
        hmat: npt.NDArray[Any] = np.full((n_items, len(raters)), np.nan)
        hmat[hi[keep_rows], hr[keep_rows]] = h_score[h_keep][keep_rows]
        jvec: npt.NDArray[Any] = np.full(n_items, np.nan)
        jvec[ji] = j_score[j_keep]
    else:
        h_vals = h_label[h_keep]
        j_vals = j_label[j_keep]
        if label_type == PAIRWISE:
            canon = {"a": "A", "b": "B", "tie": "tie"}
            h_vals = np.array([canon[v] for v in h_vals], dtype=object)
            j_vals = np.array([canon[v] for v in j_vals], dtype=object)
        h_codes = pd.Categorical(h_vals, categories=categories).codes.astype(np.int64)
        j_codes = pd.Categorical(j_vals, categories=categories).codes.astype(np.int64)
        hmat = np.full((n_items, len(raters)), -1, dtype=np.int64)
        hmat[hi[keep_rows], hr[keep_rows]] = h_codes[keep_rows]
        jvec = np.full(n_items, -1, dtype=np.int64)
        jvec[ji] = j_codes
    values = None
    if label_type == ORDINAL and label_order is None:
        values = np.array([float(c) for c in categories])
    return _Data(
        label_type, categories, raters, hmat, jvec, np.asarray(items, dtype=object), warn, values
    )
