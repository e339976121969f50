"""The Label page's rubric form: every question of a rubric, answered by keyboard.

Keys: Tab / Shift+Tab move between questions, arrow keys move within one, the number keys pick
the n-th option of the focused question, Enter submits the form. Widget keys carry the item id,
so nothing is remembered from one item to the next.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

# A rating with more steps than this is typed as a number instead of picked.
MAX_RATING_CHOICES = 11


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
        "Keyboard: **Tab** next question · **↑/↓/←/→** move within one · **1–9** pick an "
        "option of the focused question · **Enter** submits · **S** skip"
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


def keyboard(token: str) -> None:
    """Number keys pick within the focused question, Enter submits; focus the first question.

    `token` (the item) makes the script new for each item, so it runs again.
    """
    st.html(
        f"""
<script>
/* rubric keys for {json.dumps(token)} */
(() => {{
  const form = () => document.querySelector('[data-testid="stForm"]');
  if (!window.__egRubricKeys) {{
    window.__egRubricKeys = true;
    document.addEventListener("keydown", (e) => {{
      const f = form();
      const el = e.target;
      if (!f || !el || !f.contains(el) || e.ctrlKey || e.metaKey || e.altKey) return;
      const group = el.closest('[role="radiogroup"], [data-testid="stButtonGroup"]');
      if (/^[1-9]$/.test(e.key) && group) {{
        const choices = group.querySelectorAll('label, button');
        const pick = choices[Number(e.key) - 1];
        e.preventDefault();
        e.stopImmediatePropagation();
        if (!pick) return;
        pick.click();
        const input = pick.querySelector('input');
        (input || pick).focus({{preventScroll: true}});
        return;
      }}
      if (e.key === "Enter" && el.tagName !== "TEXTAREA" && el.tagName !== "INPUT") {{
        const submit = f.querySelector('[data-testid="stFormSubmitButton"] button');
        if (submit) {{ e.preventDefault(); submit.click(); }}
      }}
    }}, true);
  }}
  // Closing the Queue select box hands the focus back to it after this script ran, so keep
  // placing it on the first question for a moment until it stays there.
  let tries = 0;
  const timer = setInterval(() => {{
    tries += 1;
    const f = form();
    const first = f && f.querySelector('input, button');
    const active = document.activeElement;
    if (first && !(active && f.contains(active))) first.focus({{preventScroll: true}});
    if (tries > 30) clearInterval(timer);
  }}, 100);
}})();
</script>
""",
        unsafe_allow_javascript=True,
    )
