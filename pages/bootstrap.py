"""Bootstrap: preview a stratified sample of a run and draw it into a queue (as a job)."""

from __future__ import annotations

import time

import altair as alt
import pandas as pd
import streamlit as st

from evalguard_core import bootstrap, jobs, queues, runs, sampling
from evalguard_core.errors import EvalGuardError
from evalguard_ui import bootstrap_view, charts, session
from evalguard_ui.widgets import run_label

JOB_KEY = "bootstrap_job"
QUEUE_KEY = "bootstrap_queue"  # the queue just created here: the default while it fits
NEW_QUEUE = "__new__"
POLL_SECONDS = 0.2
MAX_POLLS = 600  # about two minutes, then the page says the job is still running

st.title("Bootstrap a queue from a run")
who = session.require_role("admin")
scope = session.scope()

all_runs = runs.list_runs(scope)
if not all_runs:
    st.info("No runs yet. Import one on the Runs page or with `evalguard import FILE`.")
    st.stop()

# -- run and queue ---------------------------------------------------------------------------
left, right = st.columns(2)
run_ids = [r["run_id"] for r in all_runs]
run_id = left.selectbox("Run", run_ids, format_func=lambda i: run_label(all_runs[run_ids.index(i)]))
options = bootstrap.run_options(scope, run_id)
fitting = bootstrap.queues_for_run(scope, run_id)
queue_names = {q["queue_id"]: bootstrap_view.queue_choice(q, run_id) for q in fitting}
queue_ids = [*queue_names, NEW_QUEUE]
default = bootstrap_view.default_queue(fitting, st.session_state.get(QUEUE_KEY))
# Per run and per queue created here: a new key is a new widget, drawn on its default (the
# browser keeps a re-drawn widget's old choice, so deleting its state is not enough).
queue_box = f"bootstrap_queue_for_{run_id}_{st.session_state.get(QUEUE_KEY) or ''}"
queue_id = right.selectbox(
    "Queue",
    queue_ids,
    index=queue_ids.index(default) if default in queue_ids else len(queue_ids) - 1,
    format_func=lambda q: "➕ New queue…" if q == NEW_QUEUE else queue_names[q],
    key=queue_box,
    help=f"Only queues whose targets fit a {options['kind']} run are listed. The default is "
    "a queue that already holds this run's cases, else an empty one, else a new queue.",
)
if queue_id == NEW_QUEUE:
    with st.form("new_queue"):
        name = st.text_input("Queue name")
        target_type = st.selectbox("Target type", options["target_types"])
        if st.form_submit_button("Create queue"):
            try:
                created = queues.create_queue(
                    scope, created_by=who.name, name=name, target_type=target_type
                )
            except EvalGuardError as exc:
                session.show_error(exc)
            else:
                st.session_state[QUEUE_KEY] = created["queue_id"]
                st.rerun()
    st.stop()

# -- strategy ----------------------------------------------------------------------------------
c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
strategy = c1.selectbox(
    "Stratify by",
    sampling.STRATEGIES,
    help="score: low / borderline / high on a scorer · latency: p0-50 / p50-90 / p90-100 · "
    "scorer: one stratum per label of a judge · none: simple random sample",
)
sample_count = c2.number_input(
    "Cases to draw", min_value=sampling.MIN_SAMPLE, max_value=sampling.MAX_SAMPLE, value=100
)
allocation = c3.selectbox(
    "Allocation",
    sampling.ALLOCATIONS,
    help="equal: the same number per stratum (what active learning wants) · proportional: "
    "as many as each stratum's share of the run",
)
seed = c4.number_input("Seed (optional)", min_value=0, value=None, step=1, placeholder="random")

scorer = None
if strategy in ("score", "scorer"):
    choices = options["numeric_scorers" if strategy == "score" else "label_scorers"]
    if not choices:
        st.warning(
            f"This run has no {'numeric scores' if strategy == 'score' else 'labelled scorer'}; "
            "pick another strategy."
        )
        st.stop()
    scorer = st.selectbox("Scorer", choices, key=f"bootstrap_scorer_{strategy}")
params = {
    "queue_id": queue_id,
    "run_id": run_id,
    "sample_count": int(sample_count),
    "stratify_by": strategy,
    "scorer": scorer,
    "allocation": allocation,
    "seed": int(seed) if seed is not None else None,
}

try:
    plan = bootstrap.preview(scope, **params)
    if strategy in ("score", "latency"):
        # Edge inputs start at the core's defaults; their keys change with run/strategy/scorer
        # so new defaults apply when the variable changes.
        key = f"{run_id}_{strategy}_{scorer}"
        unit = " (ms)" if strategy == "latency" else ""
        e1, e2, e3 = st.columns([2, 2, 4])
        a = e1.number_input(f"Lower edge{unit}", value=float(plan["edges"][0]), key=f"ea_{key}")
        b = e2.number_input(f"Upper edge{unit}", value=float(plan["edges"][1]), key=f"eb_{key}")
        e3.caption(
            f"Default edges ({plan['edges_source']}): " + ", ".join(f"{e:g}" for e in plan["edges"])
        )
        if [a, b] != plan["edges"]:
            params["edges"] = [a, b]
            plan = bootstrap.preview(scope, **params)
except EvalGuardError as exc:
    session.show_error(exc)
    st.stop()

# -- preview -----------------------------------------------------------------------------------
m1, m2, m3, m4 = st.columns(4)
m1.metric("Cases in run", f"{plan['run_cases']:,}")
m2.metric("Already in queue", f"{plan['already_in_queue']:,}")
m3.metric("Eligible", f"{plan['eligible']:,}")
m4.metric("Will draw", f"{plan['total_allocated']:,}")
job = bootstrap_view.job_for(scope, st.session_state.get(JOB_KEY), queue_id, run_id)
just_drawn = job is not None and job["status"] == "succeeded"
if just_drawn and plan["eligible"] == 0:
    # The success message below says what happened; "no eligible cases" would read as a fault.
    st.caption("Nothing left to draw: every case of this run is in the queue now.")
else:
    for warning in plan["warnings"]:
        st.warning(warning)
mix_ok = not plan["other_runs"] or st.checkbox(
    "Mix the runs in this queue anyway",
    key=f"bootstrap_mix_{queue_id}_{run_id}",
    help="Or pick ➕ New queue… to keep this run's review separate.",
)

order = [s["stratum"] for s in plan["strata"]]
colour = alt.Color("stratum:N", sort=order, title="stratum")
bins = pd.DataFrame(plan["histogram"])
if not bins.empty and strategy in ("score", "latency"):
    title = f"{scorer} score" if strategy == "score" else "latency_ms"
    bars = (
        alt.Chart(bins)
        .mark_bar()
        .encode(
            x=alt.X("bin_start:Q", bin="binned", title=title),
            x2="bin_end:Q",
            y=alt.Y("sum(count):Q", title="cases", stack=True, axis=charts.COUNT_AXIS),
            color=colour,
            tooltip=["stratum", "bin_start", "bin_end", "count"],
        )
    )
    rules = (
        alt.Chart(pd.DataFrame({"edge": plan["edges"]}))
        .mark_rule(strokeDash=[4, 3], color="black")
        .encode(x="edge:Q", tooltip=["edge"])
    )
    st.altair_chart((bars + rules).properties(height=260), width="stretch")
elif not bins.empty:
    chart = (
        alt.Chart(bins)
        .mark_bar()
        .encode(
            x=alt.X("value:N", title=scorer),
            y=alt.Y("count:Q", title="cases", axis=charts.COUNT_AXIS),
            color=colour,
        )
    )
    st.altair_chart(chart.properties(height=260), width="stretch")
else:
    st.caption("Simple random sample: one stratum, no variable to plot.")

strata = pd.DataFrame(
    [
        {
            "stratum": s["stratum"],
            "from": s["lower"],
            "to": s["upper"],
            "population": s["population"],
            "allocated": s["allocated"],
            "inclusion_prob": s["inclusion_prob"],
        }
        for s in plan["strata"]
    ]
)
st.dataframe(strata, hide_index=True, width="stretch")
st.caption(
    "Population counts the cases not yet in the queue. Each drawn item keeps its stratum and "
    "inclusion probability (allocated / population), so reports can weight results back to the "
    "whole run."
)

# -- run it ----------------------------------------------------------------------------------
started_now = False
if st.button("Bootstrap", type="primary", disabled=plan["total_allocated"] == 0 or not mix_ok):
    try:
        started = bootstrap.start_bootstrap(scope, created_by=who.name, **params)
        st.session_state[JOB_KEY] = {"job_id": started, "queue_id": queue_id, "run_id": run_id}
        job = jobs.get_job(scope, started)
        started_now = True
    except EvalGuardError as exc:
        session.show_error(exc)

# Only the job of the queue and run on screen: another choice shows its own preview alone.
if job is not None:
    job_id = job["job_id"]
    bar = st.progress(job["progress"], text=f"Job {job_id[:8]}: {job['status']}")
    for _ in range(MAX_POLLS):
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(POLL_SECONDS)
        job = jobs.get_job(scope, job_id)
        bar.progress(job["progress"], text=f"Job {job_id[:8]}: {job['status']}")
    if started_now and job["status"] == "succeeded":
        st.rerun()  # once more, so the preview above counts the drawn cases as queued
    if job["status"] == "succeeded":
        result = job["result"]
        added = ", ".join(f"{k} {v}" for k, v in result["added"].items() if v)
        st.success(
            f"Added {result['total_added']:,} cases to queue **{result['queue_name']}** "
            f"({added}); seed {result['seed']}."
        )
        st.caption("Raters find it on the Queues page.")
    elif job["status"] == "failed":
        st.error(f"The bootstrap failed: {job['error']}")
    else:
        st.info(f"Job {job_id} is still {job['status']}; this page shows it when you come back.")
