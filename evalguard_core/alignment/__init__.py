"""Judge-vs-human alignment: agreement metrics with confidence intervals (pure, no I/O).

The report follows DESIGN §6. Point values come from the reference libraries (scikit-learn,
scipy, statsmodels, krippendorff); confidence intervals come from a seeded bootstrap over items
whose per-resample formulas are vectorised here (and tested against those libraries).

Why the bootstrap is cheap: every statistic we report is a function of sums over items. Items
with identical data (same judge label, same rater labels, same stratum and weight) are
interchangeable, so we group them into "unit types" and draw each bootstrap replicate as a
vector of counts per type. Drawing n items with replacement and tallying their types *is* a
Multinomial(n, type frequencies) draw, so a replicate costs O(types) instead of O(n); with
stratified resampling the draw is done per stratum. Sums per replicate are then one matrix
product of (replicates x types) counts with a (types x features) table.

Conventions (documented here because the report's consumers rely on them):
- confusion rows are the reference (humans), columns the judge;
- macro precision / recall / F1 average the classes seen on either side; an undefined per-class
  value counts as 0 (scikit-learn's zero_division=0) and the report warns about it;
- weighted kappas use distances between positions on the scale (scikit-learn's convention);
- reference="each": one observation per (item, rater) vote, resampled by item; `n` counts items;
- Wilson intervals for plain proportions over independent items, percentile bootstrap otherwise;
- design weights are 1/inclusion_prob; weighted figures are Hájek ratio estimates;
- Fleiss' kappa uses the items rated by every rater, else those with the most common count.

Where things live (one concern per module):
- prepare.py: validate and align the human / judge frames, label normalisation;
- references.py: consensus / each vote / one rater as the reference;
- resample.py: the bootstrap as counts per unit type (see above);
- kernels.py: per-replicate metric formulas;  points.py: library point values;
- intervals.py: the interval method per metric;  sections.py: the report's sections;
- report.py: `alignment_report`;  gating.py: the CI gate;  render.py: Markdown and CI text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalguard_core.alignment.common import (
    BASE_METRICS,
    INTERVAL,
    KINDS,
    LOWER_IS_BETTER,
    NOMINAL,
    ORDINAL,
    PAIRWISE,
    PER_CLASS_PREFIXES,
    REFERENCE_MODES,
    SMALL_N,
    WEIGHTED_PREFIX,
)
from evalguard_core.alignment.prepare import normalise_label
from evalguard_core.alignment.render import format_ci, format_interval

if TYPE_CHECKING:
    from evalguard_core.alignment.gating import GATE_MIN_N, gate, gate_block, parse_thresholds
    from evalguard_core.alignment.render import report_to_markdown
    from evalguard_core.alignment.report import alignment_report

# The engine's heavy imports (scikit-learn, SciPy, statsmodels: ~60 MB) load on first use, so
# `normalise_label` and `format_ci` stay cheap for the pages and the store's callers.
_LAZY = {
    "alignment_report": "report",
    "gate": "gating",
    "gate_block": "gating",
    "parse_thresholds": "gating",
    "GATE_MIN_N": "gating",
    "report_to_markdown": "render",
}


def __getattr__(name: str) -> Any:
    """Load the engine's public functions on first use."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BASE_METRICS",
    "GATE_MIN_N",
    "INTERVAL",
    "KINDS",
    "LOWER_IS_BETTER",
    "NOMINAL",
    "ORDINAL",
    "PAIRWISE",
    "PER_CLASS_PREFIXES",
    "REFERENCE_MODES",
    "SMALL_N",
    "WEIGHTED_PREFIX",
    "alignment_report",
    "format_ci",
    "format_interval",
    "gate",
    "gate_block",
    "normalise_label",
    "parse_thresholds",
    "report_to_markdown",
]
