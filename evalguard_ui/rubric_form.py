"""The Label page's rubric form: every question of a rubric, answered by keyboard.

Keys: the number keys pick the n-th option of the focused question, Tab / Shift+Tab and ↓ / ↑
move to the next / previous question, ← / → move within one, Enter submits the form. Widget
keys carry the item id, so nothing is remembered from one item to the next.
"""

from __future__ import annotations

import json
import re
from typing import Any

import streamlit as st

from evalguard_core import rubrics, tasks
from evalguard_core.errors import ValidationError
from evalguard_core.store import Scope

RUBRIC_PLACEHOLDER = (
    '[{"name": "verdict", "kind": "single_choice", "options": ["pass", "fail"]},\n'
    ' {"name": "coherence", "kind": "rating", "scale_min": 1, "scale_max": 3}]'
)
# A rating with more steps than this is typed as a number instead of picked.
MAX_RATING_CHOICES = 11


def parse_questions(text: str | None) -> list[dict[str, Any]] | None:
    """Rubric questions typed as JSON (a list, or an object with `questions`); None if blank."""
    if not (text or "").strip():
        return None
    try:
        data = json.loads(str(text))
    except ValueError as exc:
        raise ValidationError(
            f"rubric questions: not valid JSON ({exc})", details={"field": "questions"}
        ) from None
    questions = data.get("questions") if isinstance(data, dict) else data
    if not isinstance(questions, list) or not all(isinstance(q, dict) for q in questions):
        raise ValidationError(
            "rubric questions: expected a list of question objects",
            details={"field": "questions"},
        )
    return rubrics.check_rubric(questions)


def create_task_with_rubric(scope: Scope, rubric_text: str | None, **params: Any) -> dict[str, Any]:
    """Create a task and give it the typed rubric; a bad rubric creates nothing."""
    questions = parse_questions(rubric_text)
    task: dict[str, Any] = tasks.create_task_from_run(scope, **params)
    if questions is not None:
        rubrics.set_task_rubric(scope, task["id"], questions, actor=params.get("created_by"))
    return task


def rating_values(question: dict[str, Any]) -> list[float] | None:
    """The values a rating offers as choices, or None when there are too many to list."""
    lo, hi = question["scale_min"], question["scale_max"]
    step = question.get("step") or 1.0
    count = int(round((hi - lo) / step)) + 1
    if count > MAX_RATING_CHOICES:
        return None
    return [lo + i * step for i in range(count)]


def _rating_text(question: dict[str, Any], values: list[float]) -> Any:
    """How a rating value reads on a button: the number, and the end labels at the ends."""

    def fmt(value: float) -> str:
        text = f"{value:g}"
        if value == values[0] and question.get("min_label"):
            return f"{text} · {question['min_label']}"
        if value == values[-1] and question.get("max_label"):
            return f"{text} · {question['max_label']}"
        return text

    return fmt


def shortcut_help() -> str:
    """The on-screen list of keyboard shortcuts for a rubric."""
    return (
        "Keyboard: **1–9** pick an option of the focused question · **Tab**/**↓** next "
        "question, **Shift+Tab**/**↑** previous · **←/→** move within one · **Enter** submits "
        "· **S** skip"
    )


def rubric_form(
    questions: list[dict[str, Any]], item_key: str
) -> tuple[bool, dict[str, Any], str | None]:
    """Render the questions in one form; (submitted, answers given, comment)."""
    answers: dict[str, Any] = {}
    with st.form(f"rubric_{item_key}", border=False, enter_to_submit=True):
        for q in questions:
            label = q["name"] + ("" if q["required"] else " (optional)")
            key = f"rq_{item_key}_{q['name']}"
            helptext = q.get("description")
            kind = q["kind"]
            if kind == "single_choice":
                answers[q["name"]] = st.radio(
                    label, q["options"], index=None, horizontal=True, key=key, help=helptext
                )
            elif kind == "multiple_choice":
                answers[q["name"]] = st.pills(
                    label, q["options"], selection_mode="multi", key=key, help=helptext
                )
            elif kind == "rating" and (values := rating_values(q)) is not None:
                answers[q["name"]] = st.radio(
                    label,
                    values,
                    index=None,
                    horizontal=True,
                    key=key,
                    help=helptext,
                    format_func=_rating_text(q, values),
                )
            elif kind in ("rating", "number"):
                answers[q["name"]] = st.number_input(
                    label,
                    min_value=q["scale_min"],
                    max_value=q["scale_max"],
                    value=None,
                    step=q.get("step"),
                    key=key,
                    help=helptext,
                )
            else:
                answers[q["name"]] = st.text_input(label, key=key, help=helptext)
        comment = st.text_input("Comment (optional)", key=f"rq_{item_key}__comment")
        submitted = st.form_submit_button("Submit answers", type="primary")
    given = {k: v for k, v in answers.items() if v not in (None, "", [])}
    return submitted, given, comment or None


def widget_class(key: str) -> str:
    """The CSS class Streamlit gives the element of the widget with this key."""
    return "st-key-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


def keyboard(questions: list[dict[str, Any]], item_key: str) -> None:
    """Keys for the rubric form of one item: digits pick, Tab/arrows move, Enter submits.

    The handler is installed once per page; what it acts on (this item's questions, found by
    their widget keys) is replaced for every item, so nothing carries over between items.
    Focus starts on the first question when nothing else has it (checked for up to 3 s, as
    Streamlit renders late), unless the rater clicks or types first.
    """
    config = {
        "blocks": ["." + widget_class(f"rq_{item_key}_{q['name']}") for q in questions]
        + ["." + widget_class(f"rq_{item_key}__comment")],
        "submit": "." + widget_class(f"FormSubmitter-rubric_{item_key}-Submit-answers") + " button",
    }
    st.html(
        f"""
<style>
[data-testid="stForm"] [data-testid="stElementContainer"]:focus-within
  [role="radiogroup"], [data-testid="stForm"] [data-testid="stButtonGroup"]:focus-within {{
  outline: 2px solid #2563eb; outline-offset: 4px; border-radius: 4px;
}}
</style>
<script>
(() => {{
  window.__egRubric = {json.dumps(config)};
  const blocks = () => window.__egRubric.blocks
    .map((s) => document.querySelector(s)).filter(Boolean);
  const choices = (block) => {{
    const radios = block.querySelectorAll('input[type="radio"]');
    return radios.length ? [...radios]
      : [...block.querySelectorAll('[data-testid="stButtonGroup"] button')];
  }};
  const target = (block) => block.querySelector('input[type="radio"]:checked')
    || block.querySelector('input, textarea, button');
  const focusBlock = (block, scroll) => {{
    const el = target(block);
    if (el) el.focus({{preventScroll: !scroll}});
  }};
  if (!window.__egRubricKeys) {{
    window.__egRubricKeys = true;
    document.addEventListener("keydown", (e) => {{
      if (!window.__egRubric || e.ctrlKey || e.metaKey || e.altKey) return;
      const all = blocks();
      if (!all.length) return;
      const el = document.activeElement;
      const form = all[0].closest('[data-testid="stForm"]');
      // Outside the form a digit answers the first question unless the rater is typing, as
      // Streamlit's own shortcuts do: a focused link or button, or the closed Queue box right
      // after picking the queue (whose search field would otherwise take the digit).
      const digit = /^[1-9]$/.test(e.key);
      const combo = !!el && el.getAttribute("role") === "combobox"
        && el.getAttribute("aria-expanded") !== "true" && digit;
      const entry = !!el && (el.tagName === "TEXTAREA" || el.isContentEditable
        || (el.tagName === "INPUT" && !["radio", "checkbox", "button"].includes(el.type)));
      const outside = digit && !!el && !(form && form.contains(el)) && (combo || !entry);
      const idle = !el || el === document.body || outside;
      const at = all.findIndex((b) => b.contains(el));
      if (at < 0 && !idle && !(form && form.contains(el))) return;
      const typing = entry && !combo;
      const stop = () => {{ e.preventDefault(); e.stopImmediatePropagation(); }};
      if (/^[1-9]$/.test(e.key) && !typing) {{
        const block = at >= 0 ? all[at] : (idle ? all[0] : null);
        const options = block ? choices(block) : [];
        if (!options.length) return;
        stop();
        const pick = options[Number(e.key) - 1];
        if (!pick) return;
        pick.click();
        pick.focus({{preventScroll: true}});
        return;
      }}
      const move = e.key === "Tab" || ((e.key === "ArrowDown" || e.key === "ArrowUp") && !typing);
      if (move && (at >= 0 || idle)) {{
        const back = e.key === "ArrowUp" || (e.key === "Tab" && e.shiftKey);
        const next = at < 0 ? 0 : at + (back ? -1 : 1);
        if (next < 0) return;
        stop();
        if (next >= all.length) {{
          const submit = document.querySelector(window.__egRubric.submit);
          if (submit) submit.focus();
          return;
        }}
        focusBlock(all[next], true);
        return;
      }}
      if (e.key === "Enter" && !(el && el.tagName === "TEXTAREA")) {{
        const submit = document.querySelector(window.__egRubric.submit);
        if (submit && !submit.disabled) {{ stop(); submit.click(); }}
      }}
    }}, true);
  }}
  /* focus for {json.dumps(item_key)} */
  let tries = 0;
  let handsOff = false;
  const off = (e) => {{ if (e.isTrusted) handsOff = true; }};
  document.addEventListener("pointerdown", off, {{capture: true, once: true}});
  document.addEventListener("keydown", off, {{capture: true, once: true}});
  const timer = setInterval(() => {{
    tries += 1;
    const all = blocks();
    const active = document.activeElement;
    if (handsOff || tries > 30) {{ clearInterval(timer); return; }}
    if (!all.length) return;
    // Only an unfocused page (or the sidebar link just followed) gets the focus moved: a
    // control the rater is using keeps it, and digits typed there answer question 1 anyway.
    if (!active || active === document.body || active.closest('[data-testid="stSidebar"]')) {{
      focusBlock(all[0], false);  // the rater reads the item first: no scrolling
    }}
  }}, 100);
}})();
</script>
""",
        unsafe_allow_javascript=True,
    )
