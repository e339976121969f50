"""Runs: list runs, summarise one, filter its cases (in DuckDB), import a file."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from evalguard_core import runs
from evalguard_core.runs import CaseFilter
from evalguard_ui import charts, importing, session
from evalguard_ui import lifecycle as lifecycle_ui
from evalguard_ui.widgets import run_label, run_safely

PAGE_SIZE = 50

st.title("Runs")
who = session.require_role("viewer")
scope = session.scope()

if who.can("admin"):
    with st.expander("Import an eval run (EvalGuard or another tool's results)", expanded=False):
        st.caption(
            "EvalGuard CSV/JSONL/Parquet, or files written by Inspect AI, promptfoo, DeepEval, "
            "lm-eval, Ragas, MLflow, MT-Bench, AlpacaEval, HELM (zip the run folder), OpenAI "
            "Evals, Every Eval Ever, LangSmith, Langfuse, Braintrust. Nothing is written until "
            "you press Import."
        )
        upload = st.file_uploader("Eval-result file")
        name = st.text_input("Run name (optional)")
        if upload is not None:
            fmt = st.selectbox("Format", importing.format_choices())
            path = run_safely(lambda: importing.staged_upload(upload))
            chosen = None if fmt == "(detect)" else fmt
            preview = run_safely(lambda: importing.cached_preview(path, chosen)) if path else None
            if preview:
                importing.show_preview(preview)
            importing.show_upload(upload)
            if path and st.button("Import", type="primary"):
                outcome = importing.run_import(
                    scope, path, upload=upload, name=name or None, fmt=chosen
                )
                if outcome:
                    total = sum(r["cases"] for r in outcome.runs)
                    st.success(
                        f"Imported {total:,} cases as "
                        + ", ".join(f"run `{r['run_id']}`" for r in outcome.runs)
                        + f" ({', '.join(outcome.formats)})."
                    )
                    st.session_state["runs_selected"] = outcome.runs[0]["run_id"]
                    importing.forget_upload()

all_runs = runs.list_runs(scope)
if not all_runs:
    st.info("No runs yet. Import an eval-run file above or with `evalguard import FILE`.")
    st.stop()

ids = [r["run_id"] for r in all_runs]
default = (
    ids.index(st.session_state["runs_selected"])
    if st.session_state.get("runs_selected") in ids
    else 0
)
run_id = st.selectbox(
    "Run", ids, index=default, format_func=lambda i: run_label(all_runs[ids.index(i)])
)
summary = runs.get_run_summary(scope, run_id, blind=who.blind)
if "synthetic demo" in summary["name"]:
    st.caption("This is the synthetic demo run: generated data, not real results.")

cols = st.columns(4)
cols[0].metric("Cases", f"{summary['cases']:,}")
cols[1].metric("Scorers", len(summary["scorers"]))
cols[2].metric("Human labels", f"{summary['human_labels']['annotations']:,}")
lat = summary["latency_ms"]
cols[3].metric("Latency p50", f"{lat['p50']:.0f} ms" if lat["n"] else "–")

# Raters label blind: no score or verdict charts, filters or columns for the annotator role.
scorers = [] if who.blind else summary["scorers"]
numeric = [s["scorer"] for s in scorers if s["n_scores"]]
labelled = [s for s in scorers if s["labels"]]
left, right = st.columns(2)
if numeric:
    with left:
        chosen = st.selectbox("Score histogram", numeric)
        bins = runs.score_histogram(scope, run_id, chosen)
        st.altair_chart(charts.score_histogram(bins, chosen), width="stretch")
with right:
    for s in labelled:
        st.write(f"**{s['scorer']}** labels")
        st.altair_chart(charts.label_counts(s["labels"], s["scorer"]), width="stretch")

st.subheader("Cases")
f1, f2, f3, f4 = st.columns([2, 2, 2, 3])
score_scorer = f1.selectbox("Filter by score of", ["(any)", *numeric])
lo = f2.number_input("min score", value=None, placeholder="min")
hi = f3.number_input("max score", value=None, placeholder="max")
search = f4.text_input("Search text", placeholder="words in case id, input or output")
g1, g2, g3 = st.columns([2, 2, 2])
label_scorer = g1.selectbox("Filter by label of", ["(any)", *[s["scorer"] for s in labelled]])
label_options = next((list(s["labels"]) for s in labelled if s["scorer"] == label_scorer), [])
label = g2.selectbox("label", ["(any)", *label_options])
case_filter = CaseFilter(
    scorer=None if score_scorer == "(any)" else score_scorer,
    score_min=lo,
    score_max=hi,
    label_scorer=None if label_scorer == "(any)" else label_scorer,
    label=None if label == "(any)" else label,
    search=search or None,
)
count = runs.list_cases(scope, run_id, case_filter, limit=1, blind=who.blind)["total"]
pages = max(1, -(-count // PAGE_SIZE))
page = g3.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1)
result = runs.list_cases(
    scope, run_id, case_filter, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, blind=who.blind
)
st.caption(f"{result['total']:,} matching cases")
table = pd.DataFrame(
    [
        {
            "trace_id": c["trace_id"],
            "case_id": c["case_id"],
            "input": c["input"],
            "output": c["output"] if summary["kind"] == "single" else c["output_a"],
            **({"output_b": c["output_b"]} if summary["kind"] == "pairwise" else {}),
            "latency_ms": c["latency_ms"],
            **{
                f"{k}": (v["label"] if v["label"] is not None else v["score"])
                for k, v in c["scores"].items()
            },
        }
        for c in result["cases"]
    ]
)
st.dataframe(table, width="stretch", hide_index=True)

reasoned = [
    c for c in result["cases"] if any(v.get("judge_reasoning") for v in c["scores"].values())
]
if reasoned:
    with st.expander(f"Judge reasoning ({len(reasoned)} cases on this page)"):
        importing.show_reasoning(reasoned)

if who.can("admin"):
    lifecycle_ui.run_actions(scope, run_id, who)
