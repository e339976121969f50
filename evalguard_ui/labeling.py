"""The labelling widgets: one claimed item (never the judge's verdict), its controls, the lease."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from evalguard_core.annotations import pairwise_label
from evalguard_core.auth import Actor
from evalguard_ui import session
from evalguard_ui.widgets import inert

SHORTCUT_KEYS = [str(i) for i in range(1, 10)]
# Texts longer than this scroll inside a box, so the label buttons stay near the item.
LONG_TEXT_CHARS = 1500
LONG_TEXT_HEIGHT = 360
# What the rater is told after a label, by the lease outcome core reports (ADR 0003).
LEASE_MESSAGES = {
    "expired": (
        "warning",
        "Your lease on item {item_id} had run out before you submitted, but nobody else took "
        "the item: your label **{label}** is saved.",
    ),
}
# What the rater is told when the queue refused a label (409 reason codes, issue #14 item 7).
REFUSAL_MESSAGES = {
    "lease_expired": "Your lease on item {item_id} ran out before you submitted, so the label "
    "was not saved (a queue item takes labels only from the rater holding it). Here is the "
    "next item for you.",
    "held_by_other": "Another rater holds item {item_id} now; your label was not saved.",
    "item_full": "Item {item_id} already has all its labels; your label was not saved.",
    "not_claimed": "You no longer hold item {item_id}; your label was not saved.",
}
# Where the Label page keeps a message for the next run (shown above the next item).
FLASH = "label_flash"
SIDE_TITLES = {"left": "Response 1 (left)", "right": "Response 2 (right)"}
SIDE_BUTTONS = {"left": "Left is better", "right": "Right is better", "tie": "Tie"}


def _text_block(title: str, text: str | None, *, raw: bool, key: str) -> None:
    """A titled text: Markdown (code blocks, lists) or raw; long texts scroll in a box."""
    st.markdown(f"**{title}**")
    text = text or ""
    if not text.strip():
        st.caption("(empty)")
        return
    box = (
        st.container(height=LONG_TEXT_HEIGHT, border=True, key=key)
        if len(text) > LONG_TEXT_CHARS
        else st.container(key=key)
    )
    with box:
        if raw:
            st.code(text, language=None, wrap_lines=True)
        else:
            st.markdown(inert(text))


def show_item(item: dict[str, Any], *, shown_order: str | None = None, raw: bool = False) -> None:
    """Input, output (or the two responses in the shown side order) and expected."""
    _text_block("Input", item.get("input"), raw=raw, key="eg_input")
    if item.get("target_type") == "pairwise":
        order = shown_order or "AB"
        texts = {"A": item.get("output_a"), "B": item.get("output_b")}
        left, right = st.columns(2)
        for col, side, which in ((left, "left", order[0]), (right, "right", order[1])):
            with col:
                _text_block(SIDE_TITLES[side], texts[which], raw=raw, key=f"eg_{side}")
    else:
        _text_block("Output", item.get("output"), raw=raw, key="eg_output")
    if item.get("expected"):
        _text_block("Expected", item["expected"], raw=raw, key="eg_expected")
    if item.get("metadata"):
        with st.expander(f"Metadata ({len(item['metadata'])} fields)", expanded=False):
            st.code(json.dumps(item["metadata"], indent=2, ensure_ascii=False), language="json")


def task_item_view(item: dict[str, Any]) -> dict[str, Any]:
    """A task item (camelCase, as `tasks.get_task` gives it) in the shape `show_item` reads."""
    pairwise = item.get("outputA") is not None or item.get("outputB") is not None
    return {
        "target_type": "pairwise" if pairwise else "trace",
        "input": item.get("input"),
        "output": item.get("output"),
        "output_a": item.get("outputA"),
        "output_b": item.get("outputB"),
        "expected": item.get("expected"),
    }


Pick = Callable[[str], None]


def choices(
    options: list[str],
    shown_order: str | None,
    *,
    in_form: bool = False,
    on_pick: Pick | None = None,
) -> str | None:
    """The label buttons of an item (left/right/tie when its sides are shuffled); the label.

    `on_pick` as for label_buttons.
    """
    if shown_order is not None and set(options) <= {"A", "B", "tie"}:
        return side_buttons(options, shown_order, in_form=in_form, on_pick=on_pick)
    return label_buttons(options, in_form=in_form, on_pick=on_pick)


def choice_names(options: list[str], shown_order: str | None) -> list[str]:
    """What the label buttons read, in order (for the shortcut help)."""
    if shown_order is not None and set(options) <= {"A", "B", "tie"}:
        return [text for _, text in pairwise_sides(options, shown_order)]
    return options


def shortcut_help(labels: list[str], *, has_score: bool) -> str:
    """The on-screen list of keyboard shortcuts."""
    keys = ", ".join(f"**{i + 1}** {o}" for i, o in enumerate(labels[:9]))
    if has_score:
        return (
            f"Keyboard: type the score, **Enter** submits it · {keys} · **Tab** leaves a text "
            "box · **S** skip"
        )
    return f"Keyboard: {keys} · **Tab** leaves the comment box · **S** skip"


def _button(
    col: Any, text: str, key: str, shortcut: str | None, in_form: bool, on_click: Any = None
) -> bool:
    """A full-width button; a submit button of the enclosing form when `in_form`."""
    if in_form:
        return col.form_submit_button(
            text, key=key, shortcut=shortcut, width="stretch", on_click=on_click
        )
    return col.button(text, key=key, shortcut=shortcut, width="stretch", on_click=on_click)


def _picker(on_pick: Pick | None, label: str) -> Callable[[], None] | None:
    """A button callback that hands `label` to `on_pick` (None without one)."""
    if on_pick is None:
        return None

    def callback() -> None:
        on_pick(label)

    return callback


def label_buttons(
    options: list[str], *, in_form: bool = False, on_pick: Pick | None = None
) -> str | None:
    """One button per label with shortcuts 1–9; returns the label clicked, if any.

    With `on_pick`, a click calls it with the label in the button's callback, i.e. before the
    script (or fragment) runs again, so what it changes is already drawn in that run.
    """
    cols = st.columns(len(options))
    picked = None
    for i, (col, option) in enumerate(zip(cols, options, strict=True)):
        key = SHORTCUT_KEYS[i] if i < len(SHORTCUT_KEYS) else None
        if _button(col, option, f"label_{option}", key, in_form, _picker(on_pick, option)):
            picked = option
    return picked


def pairwise_sides(options: list[str], shown_order: str) -> list[tuple[str, str]]:
    """(side, button text) for each side whose stored label is one of the queue's options."""
    sides = [s for s in ("left", "right", "tie") if pairwise_label(shown_order, s) in options]
    return [(s, SIDE_BUTTONS[s]) for s in sides]


def side_buttons(
    options: list[str], shown_order: str, *, in_form: bool = False, on_pick: Pick | None = None
) -> str | None:
    """Left / right / tie buttons (shortcuts 1–3); returns the stored label (A, B, tie) picked.

    `on_pick` as for label_buttons, called with the stored label.
    """
    sides = pairwise_sides(options, shown_order)
    cols = st.columns(len(sides))
    picked = None
    for i, (col, (side, text)) in enumerate(zip(cols, sides, strict=True)):
        stored = pairwise_label(shown_order, side)
        if _button(col, text, f"side_{side}", SHORTCUT_KEYS[i], in_form, _picker(on_pick, stored)):
            picked = stored
    return picked


def lease_timer(expires_at: datetime, now: datetime) -> None:
    """Time left on the lease: a caption, counted down live in the browser."""
    left = max(0, int((expires_at - now).total_seconds()))
    text = f"{left // 60}:{left % 60:02d}"
    st.html(
        f"""
<div style="font-size:0.875rem;color:rgba(49,51,63,0.7)">
  Lease: <b data-testid="eg-lease-left">{text}</b> left (until {expires_at:%H:%M:%S} UTC)
  <span data-testid="eg-lease-expired" style="display:{"inline" if left == 0 else "none"};
        color:#b45309"> · run out: submit anyway, your label is kept if nobody took the item
  </span>
</div>
<script>
(() => {{
  const el = document.querySelector('[data-testid="eg-lease-left"]');
  const gone = document.querySelector('[data-testid="eg-lease-expired"]');
  if (!el) return;
  const end = Date.now() + {left} * 1000;
  clearInterval(window.__egLeaseTimer);
  window.__egLeaseTimer = setInterval(() => {{
    const s = Math.max(0, Math.round((end - Date.now()) / 1000));
    el.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    if (s === 0 && gone) gone.style.display = "inline";
  }}, 1000);
}})();
</script>
""",
        unsafe_allow_javascript=True,
    )


def focus(label: str | None, token: str) -> None:
    """Put the keyboard focus on the input with this aria-label, or on the page (shortcuts).

    `token` (e.g. the item id) makes the script new for each item, so it runs again.
    """
    target = json.dumps(label)
    st.html(
        f"""
<script>
/* focus for {json.dumps(token)} */
(() => {{
  const label = {target};
  if (!window.__egShortcutRescue) {{
    // A shortcut key pressed while a closed select box (e.g. Queue) has the focus would type
    // into its search field: move the focus to the page and replay the key as a shortcut.
    window.__egShortcutRescue = true;
    document.addEventListener("keydown", (e) => {{
      const el = e.target;
      if (!e.isTrusted || !el || el.getAttribute("role") !== "combobox") return;
      if (el.getAttribute("aria-expanded") === "true" || !/^[1-9sS]$/.test(e.key)) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      el.blur();
      document.body.dispatchEvent(new KeyboardEvent("keydown", {{
        key: e.key, code: e.code, keyCode: e.keyCode, which: e.which, bubbles: true,
      }}));
    }}, true);
  }}
  let tries = 0;
  const timer = setInterval(() => {{
    tries += 1;
    const el = label && document.querySelector(`input[aria-label="${{label}}"]`);
    if (el) {{ el.focus({{preventScroll: true}}); clearInterval(timer); return; }}
    if (!label || tries > 30) {{
      const active = document.activeElement;
      if (active && ["INPUT", "TEXTAREA"].includes(active.tagName)) active.blur();
      clearInterval(timer);
    }}
  }}, 100);
}})();
</script>
""",
        unsafe_allow_javascript=True,
    )


def flash_after_refusal(details: object, item_id: int) -> tuple[str, str] | None:
    """(kind, message) when the queue refused a label for a lease reason, else None."""
    reason = details.get("reason") if isinstance(details, dict) else None
    text = REFUSAL_MESSAGES.get(str(reason))
    return ("warning", text.format(item_id=item_id)) if text else None


def flash_after_label(result: dict[str, Any], label: str | None) -> tuple[str, str] | None:
    """(kind, message) to show after a label was saved when the lease had run out, else None."""
    kind_text = LEASE_MESSAGES.get(result.get("lease") or "")
    if kind_text is None:
        return None
    kind, text = kind_text
    return kind, text.format(item_id=result.get("item_id"), label=label or "score")


def still_signed_in(who: Actor) -> bool:
    """Whether this browser session still belongs to `who` with the annotator role.

    A fragment rerun skips app.py, where the session is checked on every full run, so the
    Label page's fragment and its callbacks ask again before they touch the queue.
    """
    now = session.actor()
    return now is not None and now == who and now.can("annotator")


def _item_key(annotator: str, queue_id: str) -> str:
    """Where the session keeps the item on screen for this rater and queue."""
    return f"label_current_{annotator}_{queue_id}"


def held_item(annotator: str, queue_id: str, claim: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The item on screen: the one kept in the session, else a new claim (`claim()`'s item).

    The item stays the one labelled even if its lease runs out while the rater reads (a fresh
    claim on every rerun would silently move the click to another item).
    """
    key = _item_key(annotator, queue_id)
    if key not in st.session_state:
        st.session_state[key] = claim()["item"]
    item: dict[str, Any] = st.session_state[key]
    return item


def keep_item(annotator: str, queue_id: str, claimed: dict[str, Any]) -> None:
    """Make an item this rater was just given (e.g. by Undo) the one on screen."""
    st.session_state[_item_key(annotator, queue_id)] = claimed["claim"]


def forget_item(annotator: str, queue_id: str) -> None:
    """Done with the item on screen: the next run claims the next one."""
    st.session_state.pop(_item_key(annotator, queue_id), None)


def widget_key(name: str, item: dict[str, Any]) -> str:
    """A widget key per item (score, comment), so nothing typed carries over to the next."""
    return f"{name}_{item['item_id']}"


def flash(kind: str, text: str) -> None:
    """Keep a message (st.<kind>) to show at the top of the next run."""
    st.session_state[FLASH] = (kind, text)


def show_flash() -> None:
    """Show the message kept by `flash`, once."""
    kept = st.session_state.pop(FLASH, None)
    if kept:
        getattr(st, kept[0])(kept[1])


def rerun_screen() -> None:
    """Run the labelling fragment again; the whole page when this run is a full one."""
    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:  # st.rerun(scope="fragment") is refused in a full run
        st.rerun()
