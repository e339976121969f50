"""Alignment: can the judge be trusted? Verdict with its uncertainty, beside the human ceiling."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from evalguard_core import alignment_summary, exports, queues, reports, runs
from evalguard_core.errors import EvalGuardError
from evalguard_ui import alignment_extras, alignment_view, charts, session
from evalguard_ui.widgets import run_label

DISAGREEMENTS_LIMIT = 1000

st.title("Judge alignment")
session.require_sighted()
scope = session.scope()

all_runs = runs.list_runs(scope)
if not all_runs:
    st.info(
        "No runs yet. Import a run (Runs page or `evalguard import FILE`) and label some cases."
    )
    st.stop()

ids = [r["run_id"] for r in all_runs]
c1, c2, c3, c4 = st.columns([3, 2, 3, 2])
run_id = c1.selectbox("Run", ids, format_func=lambda i: run_label(all_runs[ids.index(i)]))
judges = reports.judge_candidates(scope, run_id)
if not judges:
    st.info("This run has no scorers to compare with humans.")
    st.stop()
judge = c2.selectbox("Judge (scorer)", judges)
queue_list = queues.list_queues(scope)
queue_ids = [None, *[q["queue_id"] for q in queue_list]]
queue_names = {q["queue_id"]: q["name"] for q in queue_list}
queue_id = c3.selectbox(
    "Labels from",
    queue_ids,
    format_func=lambda q: "all human labels of the run" if q is None else f"queue {queue_names[q]}",
)
reference = c4.selectbox(
    "Reference",
    ["consensus", "each", "dawid-skene"],
    help="consensus = majority of raters; each = every human vote; dawid-skene = the truth a "
    "rater model infers from the humans' labels",
)
with st.expander("Label until decided (sequential gate)"):
    s1, s2 = st.columns(2)
    seq_metric = s1.selectbox("Metric", reports.SEQUENTIAL_METRICS)
    seq_bar = s2.number_input("Bar", min_value=0.0, max_value=1.0, value=0.8, step=0.05)
    use_seq = st.checkbox(
        "Decide as labels come in", help="safe to re-check after every labelling batch"
    )
group_by = st.text_input(
    "Group by (optional)", help="a case field (input, case_id, …) or a metadata key"
).strip()
extra = alignment_extras.options(
    judges, judge, all_runs[ids.index(run_id)].get("kind") == "pairwise"
)
try:
    with st.spinner("Computing the report (1,000 bootstrap resamples)…"):
        report = reports.build_report(
            scope,
            run_id=run_id,
            judge=judge,
            queue_id=queue_id,
            reference=reference,
            sequential=[f"{seq_metric}={seq_bar}"] if use_seq else None,
            group_by=group_by or None,
            **extra,
        )
except EvalGuardError as exc:
    st.warning(exc.message)
    st.stop()

m = report["metrics"]
# The verdict metric and bar are configuration (reports.VERDICT_*), the same as Home and CI;
# plain_verdict words that same verdict for people who do not read kappas.
v = reports.verdict(report)
plain = alignment_summary.plain_verdict(report)
alignment_view.verdict_card(plain, v)
for warning in report.get("warnings", []):
    st.caption(f"⚠ {warning}")

forest_rows = alignment_summary.forest_rows(report)
band_rows = alignment_summary.human_band_rows(report)
conf = report["confusion"]
left, right = st.columns([3, 2])
with left:
    if forest_rows:
        st.markdown("**Every metric with its 95% interval** (the red-orange mark is your bar)")
        st.altair_chart(charts.forest(forest_rows, v["bar"], v["metric"]), width="stretch")
with right:
    st.markdown("**Like for like: judge vs raters, raters vs each other**")
    if band_rows:
        st.altair_chart(charts.human_band(band_rows, v["bar"]), width="stretch")
        st.caption(
            "The shaded band is how well your raters agree with each other; a judge inside "
            "it agrees with them about as well as they agree among themselves."
        )
    else:
        st.caption("No two raters labelled the same cases: there is no human band yet.")
    if conf["labels"]:
        st.markdown("**Confusion matrix** (rows: human reference, columns: judge; % of the row)")
        st.altair_chart(
            charts.confusion(alignment_summary.confusion_cells(report), conf["labels"]),
            width="content",
        )
alignment_extras.show_extras(report)

if report.get("grouped"):
    st.write(report["grouped"]["summary"])

if report.get("sequential"):
    with st.container(border=True):
        st.subheader("Label until decided")
        for line in report["sequential"]["summary"]:
            st.write(line)

if report.get("pass_rate"):
    with st.container(border=True):
        st.subheader("Pass rate by human standards")
        for line in report["pass_rate"]["summary"]:
            st.write(line)
        st.dataframe(pd.DataFrame(reports.pass_rate_rows(report)), hide_index=True)

strata_rows = alignment_summary.stratum_rows(report)
if strata_rows:
    st.markdown("**Per stratum** (from the bootstrap's sampling design)")
    st.altair_chart(charts.strata(strata_rows), width="stretch")
    weighted = (report.get("weighted") or {}).get("metrics", {})
    if weighted.get("accuracy"):
        whole = reports.format_ci(weighted["accuracy"], 2)
        sample = reports.format_ci(m.get("accuracy"), 2)
        st.write(f"Design-weighted accuracy for the whole run: {whole} (sample: {sample})")

with st.expander("All metrics as numbers (95% CI)"):
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "metric": k,
                    "value": e.get("value"),
                    "ci_low": e.get("ci_low"),
                    "ci_high": e.get("ci_high"),
                    "method": e.get("method"),
                }
                for k, e in m.items()
            ]
        ),
        hide_index=True,
        width="stretch",
    )

d1, d2, d3 = st.columns(3)
d1.download_button(
    "Report (JSON)",
    json.dumps(report, indent=2, default=str),
    file_name="alignment.json",
    mime="application/json",
)
d2.download_button("Report (Markdown)", reports.to_markdown(report), file_name="alignment.md")
paired = exports.export_table(scope, "paired", run_id=run_id, judge=judge, queue_id=queue_id)
d3.download_button(
    "Paired labels (CSV)",
    exports.to_bytes(paired, "csv"),
    file_name="paired_labels.csv",
    mime="text/csv",
)

alignment_view.disagreements_table(
    reports.disagreements(
        scope, run_id=run_id, judge=judge, queue_id=queue_id, limit=DISAGREEMENTS_LIMIT
    ),
    limit=DISAGREEMENTS_LIMIT,
)
