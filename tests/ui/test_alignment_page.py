"""Alignment page with AppTest on the synthetic demo (real store, real engine)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from evalguard_core import demo, reports
from tests.ui.conftest import page_path


def test_shows_verdict_with_ci_and_human_ceiling(ui_store, tmp_path) -> None:
    info = demo.seed_demo(ui_store.scope(), tmp_path / "demo")
    at = AppTest.from_file(page_path("alignment.py"), default_timeout=60).run()
    assert not at.exception
    headline = next(h.value for h in at.subheader if h.value.startswith("Judge agrees"))
    expected = reports.build_report(ui_store.scope(), run_id=info["run_id"], judge="llm_judge")
    kappa = expected["metrics"]["cohen_kappa"]
    assert f"{kappa['value']:.2f} [{kappa['ci_low']:.2f}, {kappa['ci_high']:.2f}]" in headline
    assert headline.startswith("Judge agrees with humans: judge vs consensus cohen_kappa")
    # Defect 2: like for like -- judge vs each human beside human vs human, on the same items.
    ceiling = expected["inter_rater"]["human_ceiling"]
    like = next(md.value for md in at.markdown if "Like for like" in md.value)
    judge_each = reports.format_ci(ceiling["judge_human"]["cohen_kappa"], 2)
    human_human = reports.format_ci(ceiling["human_human"]["cohen_kappa"], 2)
    assert f"judge vs each human cohen_kappa {judge_each}" in like
    assert f"human vs human cohen_kappa {human_human}" in like
    assert f"on the {ceiling['n_items']} items" in like
    verdicts = [e.value for e in at.error] + [s.value for s in at.success]
    assert any(v.startswith(("PASS", "FAIL")) for v in verdicts)


def test_empty_store_explains_what_to_do(ui_store) -> None:
    at = AppTest.from_file(page_path("alignment.py"), default_timeout=30).run()
    assert not at.exception
    assert any("No runs yet" in i.value for i in at.info)
