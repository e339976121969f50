"""Alignment: can the judge be trusted? Verdict with its uncertainty, beside the human ceiling."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import streamlit as st

from evalguard_core import exports, queues, reports, runs
from evalguard_core.errors import EvalGuardError
from evalguard_ui import session
from evalguard_ui.widgets import inert, run_label

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
    ["consensus", "each"],
    help="consensus = majority of raters; each = every human vote",
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
        )
except EvalGuardError as exc:
    st.warning(exc.message)
    st.stop()

m = report["metrics"]
# The verdict metric and bar are configuration (reports.VERDICT_*), the same as Home and CI.
v = reports.verdict(report)
with st.container(border=True):
    st.subheader(f"Judge agrees with humans: {v['headline']}")
    st.write(f"Like for like — {v['ceiling']}")
    if v["passed"]:
        st.success(f"PASS: the 95% CI lower bound of {v['metric']} clears the bar {v['bar']:.2f}.")
    else:
        st.error(f"FAIL: {'; '.join(v['reasons'])}. Do not let this judge gate CI yet.")
for warning in report.get("warnings", []):
    st.caption(f"⚠ {warning}")

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
        st.dataframe(pd.DataFrame(reports.pass_rate_rows(report)), hide_index=True, width="stretch")

left, right = st.columns(2)
with left:
    st.markdown("**Metrics (95% CI)**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "metric": k,
                    "value": v.get("value"),
                    "ci_low": v.get("ci_low"),
                    "ci_high": v.get("ci_high"),
                    "method": v.get("method"),
                }
                for k, v in m.items()
            ]
        ),
        hide_index=True,
        width="stretch",
    )
with right:
    conf = report["confusion"]
    if conf["labels"]:
        st.markdown("**Confusion matrix** (rows: human reference, columns: judge)")
        cells = pd.DataFrame(
            [
                {"human": h, "judge": j, "count": conf["matrix"][a][b]}
                for a, h in enumerate(conf["labels"])
                for b, j in enumerate(conf["labels"])
            ]
        )
        heat = (
            alt.Chart(cells)
            .mark_rect()
            .encode(
                x="judge:N",
                y="human:N",
                color=alt.Color("count:Q", scale=alt.Scale(scheme="blues")),
                tooltip=["human", "judge", "count"],
            )
        )
        text = alt.Chart(cells).mark_text().encode(x="judge:N", y="human:N", text="count:Q")
        st.altair_chart(heat + text, width="stretch")

if report.get("per_stratum"):
    st.markdown("**Per stratum** (from the bootstrap's sampling design)")
    strata = pd.DataFrame(
        [
            {
                "stratum": s["stratum"],
                "n": s["n"],
                "accuracy": (s.get("accuracy") or {}).get("value"),
            }
            for s in report["per_stratum"]
        ]
    )
    st.bar_chart(strata, x="stratum", y="accuracy", height=220)
    weighted = (report.get("weighted") or {}).get("metrics", {})
    if weighted.get("accuracy"):
        whole = reports.format_ci(weighted["accuracy"], 2)
        sample = reports.format_ci(m.get("accuracy"), 2)
        st.write(f"Design-weighted accuracy for the whole run: {whole} (sample: {sample})")

st.subheader("Disagreements")
rows = reports.disagreements(scope, run_id=run_id, judge=judge, queue_id=queue_id, limit=200)
if not rows:
    st.write("No disagreements between the judge and the human labels.")
for row in rows[:50]:
    with st.expander(
        f"case {row['case_id']} · judge {row['judge_label']} · "
        f"{row['annotator']} {row['human_label']}"
    ):
        st.markdown(f"**Input**\n\n{inert(row['input'])}")
        st.markdown(f"**Output**\n\n{inert(row['output'] or row['output_a'])}")
        if row["expected"]:
            st.markdown(f"**Expected**\n\n{inert(row['expected'])}")
        if row["comment"]:
            st.caption(f"Rater comment: {inert(row['comment'])}")

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
