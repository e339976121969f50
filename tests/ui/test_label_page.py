"""Label page with AppTest: claim, label (judge hidden), next, skip, done."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

from evalguard_core import claims, queues, runs
from tests.conftest import SAMPLE_CSV
from tests.ui.conftest import page_path


def _queue(ui_store, tmp_path: Path, n: int = 2) -> str:
    path = tmp_path / "run.csv"
    path.write_text(SAMPLE_CSV)
    scope = ui_store.scope()
    run_id = runs.import_run(scope, path, name="sample").run_id
    q = queues.create_queue(scope, name="review", instructions="Is the answer right?")
    queues.add_items(scope, q["queue_id"], [f"{run_id}:c{i}" for i in range(1, n + 1)])
    return q["queue_id"]


def test_label_then_next_then_done(ui_store, tmp_path: Path) -> None:
    queue_id = _queue(ui_store, tmp_path)
    at = AppTest.from_file(page_path("label.py"), default_timeout=30).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "Keyboard" in text and "**1** pass" in text
    shown = " ".join(m.value for m in at.markdown)
    assert "?" in shown  # an input is shown (as Markdown)
    assert "llm_judge" not in shown and "0.9" not in shown  # verdict and scores hidden
    next(b for b in at.button if b.label == "pass").click().run()
    assert not at.exception
    assert queues.get_queue(ui_store.scope(), queue_id)["progress"]["done"] == 1
    next(b for b in at.button if b.label == "fail").click().run()
    assert any("Queue finished" in s.value for s in at.success)
    rows = ui_store.db.fetchall("SELECT annotator, source FROM annotations ORDER BY label")
    assert rows == [("local", "ui"), ("local", "ui")]


def test_skip_gives_another_item(ui_store, tmp_path: Path) -> None:
    queue_id = _queue(ui_store, tmp_path)
    at = AppTest.from_file(page_path("label.py"), default_timeout=30).run()
    first = next(c.value for c in at.caption if c.value.startswith("Item "))
    next(b for b in at.button if b.label == "Skip").click().run()
    second = next(c.value for c in at.caption if c.value.startswith("Item "))
    assert first.split(" · ")[0] != second.split(" · ")[0]
    assert queues.get_queue(ui_store.scope(), queue_id)["progress"]["claimed"] == 1


def test_pairwise_sides_follow_the_shown_order_and_map_back(ui_store, tmp_path: Path) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text(
        "case_id,input,output_a,output_b\n"
        + "".join(f"p{i},question {i},answer from A {i},answer from B {i}\n" for i in range(8))
    )
    scope = ui_store.scope()
    run_id = runs.import_run(scope, path, name="pairs").run_id
    q = queues.create_queue(scope, name="pairs", target_type="pairwise")
    queues.add_items(scope, q["queue_id"], [f"{run_id}:p{i}" for i in range(8)])
    at = AppTest.from_file(page_path("label.py"), default_timeout=30).run()
    seen_orders = set()
    for _ in range(8):
        assert not at.exception
        item_id = int(next(c.value for c in at.caption if c.value.startswith("Item ")).split()[1])
        order = claims.pairwise_order(q["queue_id"], item_id, "local")
        seen_orders.add(order)
        md = [m.value for m in at.markdown]
        left_text = md[md.index("**Response 1 (left)**") + 1]
        assert left_text.startswith(f"answer from {order[0]}")
        # The rater always prefers the left response: the stored label is whatever was left.
        next(b for b in at.button if b.label == "Left is better").click().run()
        stored = ui_store.db.fetchall("SELECT label FROM annotations WHERE item_id = ?", [item_id])
        assert stored == [(order[0],)]
    assert seen_orders == {"AB", "BA"}
    assert any("Queue finished" in s.value for s in at.success)
    shown = ui_store.db.fetchall("SELECT count(*) FROM claims WHERE shown_order IS NOT NULL")
    assert shown == [(8,)]


def test_label_after_the_lease_ran_out_is_refused_and_the_rater_is_told(
    ui_store, tmp_path: Path
) -> None:
    queue_id = _queue(ui_store, tmp_path)
    at = AppTest.from_file(page_path("label.py"), default_timeout=30).run()
    item_id = int(next(c.value for c in at.caption if c.value.startswith("Item ")).split()[1])
    # Time passes beyond the lease (900 s) while the rater reads.
    later = ui_store.now() + timedelta(seconds=901)
    ui_store.clock = lambda: later
    next(b for b in at.button if b.label == "pass").click().run()
    assert not at.exception
    warned = " ".join(w.value for w in at.warning)
    assert f"lease on item {item_id} ran out" in warned and "not saved" in warned
    assert queues.get_queue(ui_store.scope(), queue_id)["progress"]["done"] == 0


def test_score_queue_submits_score_and_comment_together(ui_store, tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    path.write_text(SAMPLE_CSV)
    scope = ui_store.scope()
    run_id = runs.import_run(scope, path, name="sample").run_id
    q = queues.create_queue(scope, name="scored", score_min=0, score_max=5)
    queues.add_items(scope, q["queue_id"], [f"{run_id}:c1"])
    at = AppTest.from_file(page_path("label.py"), default_timeout=30).run()
    next(b for b in at.button if b.label == "Submit score").click().run()
    assert any("Type a score first" in w.value for w in at.warning)  # nothing saved yet
    next(n for n in at.number_input if n.label == "Score").set_value(4)
    next(t for t in at.text_input if t.label == "Comment (optional)").set_value("close enough")
    next(b for b in at.button if b.label == "Submit score").click().run()
    assert not at.exception
    rows = ui_store.db.fetchall("SELECT label, score, comment FROM annotations")
    assert rows == [(None, 4.0, "close enough")]
    assert any("Queue finished" in s.value for s in at.success)


def test_a_revoked_rater_s_label_click_saves_nothing(ui_store, tmp_path: Path) -> None:
    from evalguard_core import auth

    queue_id = _queue(ui_store, tmp_path)
    auth.create_key(ui_store, name="boss", role="admin")
    alice = auth.create_key(ui_store, name="alice", role="annotator")
    at = AppTest.from_file(page_path("label.py"), default_timeout=30)
    at.session_state["eg_actor"] = auth.authenticate(ui_store, alice["key"])
    at.run()
    assert any(c.value.startswith("Item ") for c in at.caption)
    auth.revoke_key(ui_store.scope(), alice["key_id"])
    next(b for b in at.button if b.label == "pass").click().run()
    assert not at.exception
    # The button's callback asks for the session before it labels (a fragment rerun skips
    # app.py's check): nothing saved, and the page asks to sign in.
    assert queues.get_queue(ui_store.scope(), queue_id)["progress"]["annotations"] == 0
    assert any("Sign in" in w.value for w in at.warning)


def test_progress_and_flash_follow_each_label(ui_store, tmp_path: Path) -> None:
    _queue(ui_store, tmp_path, n=3)
    at = AppTest.from_file(page_path("label.py"), default_timeout=30).run()
    assert "0 of 3 done, 0 by you" in at.get("progress")[0].proto.text
    next(b for b in at.button if b.label == "pass").click().run()
    assert "1 of 3 done, 1 by you" in at.get("progress")[0].proto.text
    next(b for b in at.button if b.label == "Undo last label").click().run()
    assert "0 of 3 done, 0 by you" in at.get("progress")[0].proto.text
    assert any("taken back" in i.value for i in at.info)
    at.run()  # the message is shown once
    assert not any("taken back" in i.value for i in at.info)
