"""The Alignment page's rater model and alt-test, and the Queues page's live decision line
(AppTest, real store, real engine, the synthetic demo's three raters)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from evalguard_core import annotations, claims, demo, queues, reports
from evalguard_core.runs import CaseFilter
from tests.ui.conftest import page_path


def test_rater_model_and_alt_test_in_plain_words_first(ui_store, tmp_path) -> None:
    info = demo.seed_demo(ui_store.scope(), tmp_path / "demo")
    at = AppTest.from_file(page_path("alignment.py"), default_timeout=120).run()
    assert not at.exception
    next(c for c in at.checkbox if c.label.startswith("Rater model")).check().run()
    next(c for c in at.checkbox if c.label.startswith("Alt-test")).check().run()
    assert not at.exception
    expected = reports.build_report(
        ui_store.scope(),
        run_id=info["run_id"],
        judge="llm_judge",
        rater_model=True,
        alt_test_epsilon=0.15,
    )
    headers = [h.value for h in at.subheader]
    assert "Rater model (Dawid-Skene)" in headers
    assert "Alt-test: can the judge replace a human rater?" in headers
    texts = [md.value for md in at.markdown]
    assert expected["rater_model"]["summary"][0] in texts
    alt_first = expected["alt_test"]["summary"][0]
    assert alt_first in [s.value for s in at.success] + [w.value for w in at.warning]


def test_queue_page_shows_decided_line(ui_store, tmp_path) -> None:
    info = demo.seed_demo(ui_store.scope(), tmp_path / "demo")
    scope = ui_store.scope()
    queue_id = queues.create_queue(scope, name="review", created_by="admin")["queue_id"]
    queues.add_from_run(scope, queue_id, info["run_id"], CaseFilter(), actor="admin")
    for i in range(40):
        item = claims.claim_next(scope, queue_id, "alice")["item"]
        annotations.create_annotation(
            scope,
            annotator="alice",
            target_id=item["target_id"],
            target_type="eval_case",
            label="pass" if i % 5 else "fail",
            queue_id=queue_id,
        )
    at = AppTest.from_file(page_path("queues.py"), default_timeout=60).run()
    assert not at.exception
    expected = reports.queue_decision(scope, queue_id, fail_under=["accuracy=0.8"])
    line = next(md.value for md in at.markdown if md.value.startswith("Decided:"))
    assert f"**{expected['decided']}**" in line
    assert f"judge {expected['judge']}" in line
