"""Tasks: list review tasks with progress, create one from a run selection, label its items
with the Label page's component (label buttons or the rubric form, same shortcuts)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from evalguard_core import claims, rubrics, runs, tasks
from evalguard_core.errors import EvalGuardError
from evalguard_core.runs import CaseFilter
from evalguard_ui import labeling, rubric_form, session
from evalguard_ui.widgets import inert, run_label, run_safely

SELECTED = "tasks_selected"
FLASH = "tasks_flash"
ANY = "(any)"

st.title("Tasks")
who = session.require_role("viewer")
scope = session.scope()


def current_key(task_id: str) -> str:
    """Session key of the item shown for labelling in a task."""
    return f"tasks_current_{task_id}"


def task_title(task: dict) -> str:
    """How a task is named in the select box."""
    return f"{task['name']} · {task['status']} · {task['completedCount']}/{task['itemCount']}"


def item_title(item: dict) -> str:
    """How an item is named in the go-to box."""
    return f"#{item['position']} {item['caseId']} · {item['label'] or 'unlabelled'}"


def after_label(task_id: str, item: dict, what: str) -> None:
    """Say what was saved and move to the next unlabelled item."""
    st.session_state[FLASH] = f"Item {item['position']} labelled **{what}**."
    nxt = tasks.next_unlabelled(
        tasks.get_task(scope, task_id, blind_for=session.blind_name()), after=item["id"]
    )
    st.session_state[current_key(task_id)] = nxt["id"] if nxt else None
    st.rerun()


def skip_item(task: dict, item_id: str) -> None:
    """Show the next unlabelled item after this one."""
    nxt = tasks.next_unlabelled(task, after=item_id)
    if nxt:
        st.session_state[current_key(task["id"])] = nxt["id"]
    st.rerun()


def show_item_for_labelling(task: dict, item: dict) -> None:
    """The item as the Label page shows it (Markdown, pairwise sides shuffled per rater) and
    its controls: label buttons with shortcuts, or the rubric form answered by keyboard."""
    task_id = task["id"]
    head = f"**Item {item['position']} of {task['itemCount']}** · case `{item['caseId']}`"
    if item["labeledAt"]:
        done = item["label"] or "answered"
        head += f" · labelled **{done}** by {item['labeledBy']} (a new label replaces it)"
    top, raw_col = st.columns([4, 1])
    top.markdown(head)
    raw = raw_col.toggle("Raw text", key="tasks_raw", help="Show texts as typed, not as Markdown")
    view = labeling.task_item_view(item)
    # Sides are random per item but fixed per rater, and recorded with the label.
    order = (
        claims.pairwise_order(task_id, item["id"], who.name)
        if view["target_type"] == "pairwise"
        else None
    )
    labeling.show_item(view, shown_order=order, raw=raw)
    rubric = rubrics.get_task_rubric(scope, task_id)
    if not rubrics.asks_one_question(rubric["questions"]):
        st.caption(rubric_form.shortcut_help())
        item_key = f"task_{task_id}_{item['id']}"
        submitted, given, notes = rubric_form.rubric_form(rubric["questions"], item_key)
        skip = st.button("Skip", key=f"tasks_skip_{task_id}", shortcut="S")
        rubric_form.keyboard(rubric["questions"], item_key)
        if submitted:
            try:
                tasks.answer_item(
                    scope,
                    task_id,
                    item["id"],
                    answers=given,
                    notes=notes,
                    actor=who.name,
                    shown_order=order,
                )
            except EvalGuardError as exc:
                session.show_error(exc)
                return
            after_label(task_id, item, f"answers (rubric v{rubric['version']})")
        elif skip:
            skip_item(task, item["id"])
        return
    options = task["labelOptions"]
    st.caption(labeling.shortcut_help(labeling.choice_names(options, order), has_score=False))
    picked = labeling.choices(options, order)
    notes = st.text_input(
        "Notes (optional)", value=item["notes"] or "", key=f"tasks_notes_{item['id']}"
    )
    skip = st.button("Skip", key=f"tasks_skip_{task_id}", shortcut="S")
    labeling.focus(None, token=f"{task_id}:{item['id']}")
    if picked is not None:
        try:
            tasks.label_item(
                scope,
                task_id,
                item["id"],
                label=picked,
                notes=notes or None,
                actor=who.name,
                shown_order=order,
            )
        except EvalGuardError as exc:
            session.show_error(exc)
            return
        after_label(task_id, item, picked)
    elif skip:
        skip_item(task, item["id"])


def jump_to(task_id: str, jump_key: str) -> None:
    """Select-box callback: show the chosen item (labelled ones can be relabelled)."""
    chosen = st.session_state.get(jump_key)
    if chosen:
        st.session_state[current_key(task_id)] = chosen
        st.session_state[jump_key] = None


# -- create ------------------------------------------------------------------------------------
if who.can("admin"):
    with st.expander("Create a task from a run", expanded=False):
        all_runs = runs.list_runs(scope)
        if not all_runs:
            st.info("Import an eval run first (Runs page or `evalguard import FILE`).")
        else:
            run_ids = [r["run_id"] for r in all_runs]
            run_id = st.selectbox(
                "Run",
                run_ids,
                format_func=lambda i: run_label(all_runs[run_ids.index(i)]),
                key="tasks_new_run",
            )
            summary = runs.get_run_summary(scope, run_id)
            numeric = [s["scorer"] for s in summary["scorers"] if s["n_scores"]]
            labelled = {s["scorer"]: list(s["labels"]) for s in summary["scorers"] if s["labels"]}
            a1, a2 = st.columns(2)
            label_scorer = a1.selectbox("Judge label of", [ANY, *labelled], key="tasks_new_ls")
            judge_label = a2.selectbox(
                "is", [ANY, *labelled.get(label_scorer, [])], key="tasks_new_label"
            )
            b1, b2, b3 = st.columns(3)
            score_scorer = b1.selectbox("Score of", [ANY, *numeric], key="tasks_new_ss")
            lo = b2.number_input("min score", value=None, placeholder="min", key="tasks_new_lo")
            hi = b3.number_input("max score", value=None, placeholder="max", key="tasks_new_hi")
            case_filter = CaseFilter(
                scorer=None if score_scorer == ANY else score_scorer,
                score_min=lo,
                score_max=hi,
                label_scorer=None if label_scorer == ANY else label_scorer,
                label=None if judge_label == ANY else judge_label,
            )
            matching = runs.list_cases(scope, run_id, case_filter, limit=1)["total"]
            limit = st.number_input(
                "At most this many cases (lowest trace ids first)",
                min_value=1,
                max_value=tasks.MAX_ITEMS,
                value=100,
                key="tasks_new_limit",
            )
            name = st.text_input("Task name", value=f"Review of {summary['name']}")
            default_options = "A, B, tie" if summary["kind"] == "pairwise" else "pass, fail"
            options_text = st.text_input("Label options (comma-separated)", value=default_options)
            instructions = st.text_area("Instructions for raters (optional)")
            rubric_text = st.text_area(
                "Rubric questions (optional JSON; instead of the label options)",
                placeholder=rubric_form.RUBRIC_PLACEHOLDER,
                help="A list of questions, e.g. a rating and a single choice; see the README's "
                "Rubrics section. Raters then answer every question of an item at once.",
            )
            st.caption(
                f"{matching:,} matching cases; the task takes {min(matching, int(limit)):,}."
            )
            if st.button("Create task", type="primary", disabled=matching == 0):
                created = run_safely(
                    lambda: rubric_form.create_task_with_rubric(
                        scope,
                        rubric_text,
                        run_id=run_id,
                        name=name,
                        case_filter=case_filter,
                        limit=int(limit),
                        instructions=instructions or None,
                        label_options=tasks.parse_options(options_text),
                        created_by=who.name,
                    )
                )
                if created:
                    st.session_state[SELECTED] = created["id"]
                    st.success(
                        f"Created task **{created['name']}** with {created['itemCount']} items."
                    )

# -- list --------------------------------------------------------------------------------------
all_tasks = tasks.list_tasks(scope)
if not all_tasks:
    hint = "Create one above" if who.can("admin") else "An admin creates them"
    st.info(f"No tasks yet. {hint} (or `evalguard tasks create`).")
    st.stop()

st.dataframe(
    pd.DataFrame(
        [
            {
                "name": t["name"],
                "status": t["status"],
                "progress": t["completedCount"] / t["itemCount"] if t["itemCount"] else 0.0,
                "labelled": f"{t['completedCount']}/{t['itemCount']}",
                "labels": ", ".join(t["labelOptions"]),
                "created": t["createdAt"],
                "id": t["id"],
            }
            for t in all_tasks
        ]
    ),
    column_config={
        "progress": st.column_config.ProgressColumn("progress", min_value=0.0, max_value=1.0)
    },
    hide_index=True,
    width="stretch",
)

task_ids = [t["id"] for t in all_tasks]
selected = st.session_state.get(SELECTED)
task_id = st.selectbox(
    "Task",
    task_ids,
    index=task_ids.index(selected) if selected in task_ids else 0,
    format_func=lambda i: task_title(all_tasks[task_ids.index(i)]),
)
st.session_state[SELECTED] = task_id
task = tasks.get_task(scope, task_id, blind_for=session.blind_name())
items = task["items"]
by_id = {item["id"]: item for item in items}

st.progress(
    task["completedCount"] / task["itemCount"] if task["itemCount"] else 0.0,
    text=f"{task['completedCount']} of {task['itemCount']} items labelled · {task['status']}",
)
if task["instructions"]:
    st.info(inert(task["instructions"]))

# -- label -------------------------------------------------------------------------------------
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))

if not who.can("annotator"):
    st.caption("Labelling needs the annotator role; you can read the items below.")
else:
    current = st.session_state.get(current_key(task_id))
    if current not in by_id:
        nxt = tasks.next_unlabelled(task)
        current = nxt["id"] if nxt else None
    jump_key = f"tasks_jump_{task_id}"
    st.selectbox(
        "Go to item (to relabel one)",
        [None, *by_id],
        format_func=lambda i: "—" if i is None else item_title(by_id[i]),
        key=jump_key,
        on_change=jump_to,
        args=(task_id, jump_key),
    )
    if current is None:
        st.success(f"All {task['itemCount']} items are labelled. Pick one above to relabel it.")
    else:
        show_item_for_labelling(task, by_id[current])

st.subheader("Items")
st.dataframe(
    pd.DataFrame(
        [
            {
                "#": i["position"],
                "case_id": i["caseId"],
                "trace_id": i["traceId"],
                "label": i["label"],
                "labeled_by": i["labeledBy"],
                "labeled_at": i["labeledAt"],
                "notes": i["notes"],
            }
            for i in items
        ]
    ),
    hide_index=True,
    width="stretch",
)
