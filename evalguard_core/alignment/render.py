"""Rendering: the report as Markdown, and the one formatter for a value with its CI."""

from __future__ import annotations

from typing import Any


def _fmt(value: Any, digits: int = 3) -> str:
    """A number for a markdown table ('—' when undefined)."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def format_interval(entry: dict[str, Any] | None, digits: int = 3) -> str | None:
    """'[0.681, 0.741]', or None when the entry has no interval."""
    if not entry:
        return None
    lo, hi = entry.get("ci_low"), entry.get("ci_high")
    if lo is None or hi is None:
        return None
    return f"[{lo:.{digits}f}, {hi:.{digits}f}]"


def format_ci(entry: dict[str, Any] | None, digits: int = 3, missing: str = "n/a") -> str:
    """One metric entry as text, '0.712 [0.681, 0.741]': the only place an interval is formatted.

    The CLI, the Markdown / HTML report, the Alignment page and Home all use it.
    """
    if not entry or entry.get("value") is None:
        return missing
    interval = format_interval(entry, digits)
    return f"{entry['value']:.{digits}f}" + (f" {interval}" if interval else "")


def _ci_text(entry: dict[str, Any] | None) -> tuple[str, str, str]:
    """(value, interval, method) cells for one metric entry."""
    if not entry:
        return "—", "—", ""
    interval = format_interval(entry) or "—"
    return _fmt(entry.get("value")), interval, str(entry.get("method", ""))


def _md_cell(text: Any) -> str:
    """Table-safe text."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def report_to_markdown(report: dict[str, Any]) -> str:
    """Human-readable markdown rendering of an alignment report."""
    lines = [
        f"# Alignment: judge `{_md_cell(report.get('judge'))}` vs "
        f"{_md_cell(report.get('reference'))}",
        "",
        f"- items compared (n): **{report.get('n')}**",
        f"- label type: {report.get('label_type')}",
        f"- items without a human majority: {report.get('no_majority', 0)}",
        f"- bootstrap: {report.get('n_boot')} resamples, seed {report.get('seed')}",
        "",
    ]
    metrics = report.get("metrics") or {}
    if metrics:
        lines += ["## Metrics", "", "| metric | value | 95% CI | method |", "|---|---|---|---|"]
        for name, entry in metrics.items():
            value, interval, method = _ci_text(entry)
            lines.append(f"| {_md_cell(name)} | {value} | {interval} | {method} |")
        lines.append("")
    confusion = report.get("confusion") or {}
    labels = confusion.get("labels") or []
    if labels and confusion.get("matrix"):
        lines += [
            "## Confusion (rows: reference, columns: judge)",
            "",
            "| reference \\ judge | " + " | ".join(_md_cell(x) for x in labels) + " |",
            "|---" * (len(labels) + 1) + "|",
        ]
        for label, row in zip(labels, confusion["matrix"], strict=False):
            lines.append(f"| {_md_cell(label)} | " + " | ".join(str(v) for v in row) + " |")
        lines.append("")
    inter = report.get("inter_rater") or {}
    if inter:
        lines += [
            "## Human agreement",
            "",
            f"- raters: {inter.get('n_raters')}, items: {inter.get('n_items')}",
        ]
        for key in ("fleiss_kappa", "krippendorff_alpha"):
            entry = inter.get(key)
            if entry:
                value, interval, _ = _ci_text(entry)
                lines.append(f"- {key}: {value} {interval} (n_items {entry.get('n_items')})")
        pairs = inter.get("pairs") or []
        if pairs:
            names = [k for k in pairs[0] if k not in ("rater_a", "rater_b", "n")]
            lines += [
                "",
                "| rater pair | n | " + " | ".join(names) + " |",
                "|---|---|" + "---|" * len(names),
            ]
            for p in pairs:
                cells = [" ".join(_ci_text(p[name])[:2]) for name in names]
                lines.append(
                    f"| {_md_cell(p['rater_a'])} – {_md_cell(p['rater_b'])} | "
                    f"{p['n']} | " + " | ".join(cells) + " |"
                )
        ceiling = inter.get("human_ceiling")
        if ceiling:
            names = list(ceiling["human_human"])
            lines += [
                "",
                f"Human ceiling on the same {ceiling['n_items']} items:",
                "",
                "| | " + " | ".join(names) + " |",
                "|---|" + "---|" * len(names),
            ]
            for side, title in (
                ("human_human", "human vs human (mean of pairs)"),
                ("judge_human", "judge vs human (mean of raters)"),
            ):
                cells = [" ".join(_ci_text(ceiling[side][name])[:2]) for name in names]
                lines.append(f"| {title} | " + " | ".join(cells) + " |")
        lines.append("")
    weighted = report.get("weighted") or {}
    if weighted:
        lines += [
            "## Design-weighted (Hájek, post-stratified: N_h / m_h per stratum)",
            "",
            f"- items: {weighted.get('n')}, estimated population: "
            f"{_fmt(weighted.get('population_estimate'), 1)}",
            "",
            "| metric | value | 95% CI |",
            "|---|---|---|",
        ]
        for name, entry in (weighted.get("metrics") or {}).items():
            value, interval, _ = _ci_text(entry)
            lines.append(f"| {_md_cell(name)} | {value} | {interval} |")
        lines.append("")
    strata = report.get("per_stratum") or []
    if strata:
        plain = ("stratum", "n", "population_estimate", "design_items", "labelled_share")
        names = [k for k in strata[0] if k not in plain]
        lines += [
            "## Per stratum",
            "",
            "| stratum | n | labelled | population | " + " | ".join(names) + " |",
            "|---|---|---|---|" + "---|" * len(names),
        ]
        for s in strata:
            cells = [" ".join(_ci_text(s.get(name))[:2]) for name in names]
            share = s.get("labelled_share")
            labelled = "—" if share is None else f"{share:.0%} of {s.get('design_items')}"
            lines.append(
                f"| {_md_cell(s['stratum'])} | {s['n']} | {labelled} | "
                f"{_fmt(s['population_estimate'], 1)} | " + " | ".join(cells) + " |"
            )
        lines.append("")
    section = report.get("pass_rate")
    if section:
        lines += ["## Pass rate by human standards", ""] + list(section["summary"]) + [""]
        lines += ["| estimate | value | 95% CI | method |", "|---|---|---|---|"]
        for row in pass_rate_rows(section):
            lines.append(
                f"| {row['estimate']} | {_fmt(row['value'])} | "
                f"{_md_cell(format_interval(row) or '—')} | {row['method']} |"
            )
        lines.append("")
    lines += _extra_markdown(report)
    if report.get("warnings"):
        lines += ["## Warnings", ""] + [f"- {_md_cell(w)}" for w in report["warnings"]] + [""]
    return "\n".join(lines)


def _extra_markdown(report: dict[str, Any]) -> list[str]:
    """Position bias, rater model and alt-test: each section's plain-words summary."""
    lines: list[str] = []
    position = report.get("position_bias") or {}
    parts = [
        ("Position bias of the judge", position.get("judge")),
        ("Position bias of the human raters", position.get("humans")),
        ("Rater model (Dawid-Skene)", report.get("rater_model")),
        ("Alt-test", report.get("alt_test")),
    ]
    for title, section in parts:
        if section:
            lines += [f"## {title}", ""] + [f"- {_md_cell(x)}" for x in section["summary"]] + [""]
    return lines


# Rows of the pass-rate table, in reading order: the answer first, the judge's own view last.
PASS_RATE_ROWS = (
    ("corrected", "corrected_pass_rate", "judge on every case, corrected by the human labels"),
    ("human_only", "human_pass_rate", "human labels only (unbiased, wider)"),
    ("rogan_gladen", "rogan_gladen_pass_rate", "judge rate corrected by its TPR / TNR"),
    ("judge_only", "judge_pass_rate", "the judge alone (biased)"),
    ("tpr", "tpr", "judge passes what humans pass"),
    ("tnr", "tnr", "judge fails what humans fail"),
)


def pass_rate_rows(section: dict[str, Any]) -> list[dict[str, Any]]:
    """The pass-rate figures as table rows (gate name, meaning, value, interval, method)."""
    rows = []
    for key, gate_name, meaning in PASS_RATE_ROWS:
        entry = section.get(key) or {}
        rows.append(
            {
                "estimate": gate_name,
                "meaning": meaning,
                "value": entry.get("value"),
                "ci_low": entry.get("ci_low"),
                "ci_high": entry.get("ci_high"),
                "method": entry.get("method"),
            }
        )
    return rows
