"""Alignment page with AppTest on the synthetic demo (real store, real engine)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from evalguard_core import alignment_summary, bootstrap, demo, queues, reports
from evalguard_core.annotations import claim_and_label
from evalguard_ui import alignment_view
from tests.ui.conftest import page_path


def in_order(at: AppTest) -> list[Any]:
    """Every element of the page in the order it is drawn."""
    out: list[Any] = []

    def walk(node: Any) -> None:
        out.append(node)
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at.main)
    return out


def chart_rows(chart: Any) -> list[dict[str, Any]]:
    """Every data row a Vega-Lite chart element carries (Streamlit sends them as Arrow)."""
    rows: list[dict[str, Any]] = []
    for named in chart.proto.datasets:
        frame = convert_arrow_bytes_to_pandas_df(named.data.data)
        rows += [{k: v for k, v in r.items() if v == v} for r in frame.to_dict("records")]
    return rows


def test_verdict_in_plain_words_first_then_the_figures(ui_store, tmp_path) -> None:
    info = demo.seed_demo(ui_store.scope(), tmp_path / "demo")
    at = AppTest.from_file(page_path("alignment.py"), default_timeout=60).run()
    assert not at.exception
    expected = reports.build_report(ui_store.scope(), run_id=info["run_id"], judge="llm_judge")
    plain = alignment_summary.plain_verdict(expected)
    alerts = (
        [e.value for e in at.error] + [s.value for s in at.success] + [w.value for w in at.warning]
    )
    card = next(a for a in alerts if plain.sentence in a)
    assert card.startswith(("**PASS", "**FAIL", "**NOT DECIDED", "**TOO FEW"))
    # The demo judge misses the 0.60 bar: the words say so without a statistics course.
    assert plain.status == "fail" and card.startswith("**FAIL: do not let this judge gate CI**")
    assert "The judge agrees with your raters less well than they agree with each other" in card
    kappa = expected["metrics"]["cohen_kappa"]
    assert f"κ {kappa['value']:.2f} ({kappa['ci_low']:.2f}–{kappa['ci_high']:.2f})" in card
    assert any("called moderate agreement" in c.value for c in at.caption)
    # The statistician's line stays: judge vs consensus, and like for like on the same items.
    figures = next(c.value for c in at.caption if c.value.startswith("Judge agrees with humans"))
    assert f"{kappa['value']:.2f} [{kappa['ci_low']:.2f}, {kappa['ci_high']:.2f}]" in figures
    ceiling = expected["inter_rater"]["human_ceiling"]
    judge_each = reports.format_ci(ceiling["judge_human"]["cohen_kappa"], 2)
    human_human = reports.format_ci(ceiling["human_human"]["cohen_kappa"], 2)
    assert f"judge vs each human cohen_kappa {judge_each}" in figures
    assert f"human vs human cohen_kappa {human_human}" in figures
    assert f"on the {ceiling['n_items']} items" in figures


def test_forest_plot_band_and_square_confusion_matrix(ui_store, tmp_path) -> None:
    info = demo.seed_demo(ui_store.scope(), tmp_path / "demo")
    at = AppTest.from_file(page_path("alignment.py"), default_timeout=60).run()
    assert not at.exception
    expected = reports.build_report(ui_store.scope(), run_id=info["run_id"], judge="llm_judge")
    charts = at.get("vega_lite_chart")
    specs = [json.loads(c.proto.spec) for c in charts]
    datasets = [chart_rows(c) for c in charts]
    forest = next(d for d in datasets if any(r.get("role") == "gated metric" for r in d))
    # Every agreement metric is a point with its interval; the gated one leads, with the bar.
    plotted = {r["metric"]: r for r in forest if "role" in r}
    assert set(plotted) == set(expected["metrics"])
    kappa = expected["metrics"]["cohen_kappa"]
    assert plotted["cohen_kappa"]["ci_low"] == pytest.approx(kappa["ci_low"])
    assert {"metric": "cohen_kappa", "bar": reports.VERDICT_BAR} in forest
    band = next(d for d in datasets if any(r.get("comparison") for r in d))
    assert {r["comparison"] for r in band if r.get("comparison")} == {
        "judge vs each human",
        "human vs human",
    }
    confusion = next(
        (spec, d)
        for spec, d in zip(specs, datasets, strict=True)
        if any("row_share" in r for r in d)
    )
    spec, cells = confusion
    assert spec["width"] == spec["height"]  # square cells, one step per label both ways
    matrix = expected["confusion"]["matrix"]
    assert sorted(c["count"] for c in cells) == sorted(n for row in matrix for n in row)
    assert any(c["text"] == f"{matrix[0][0]:,}\n{matrix[0][0] / sum(matrix[0]):.0%}" for c in cells)


def test_disagreements_are_a_paged_filterable_table_below_the_downloads(ui_store, tmp_path) -> None:
    info = demo.seed_demo(ui_store.scope(), tmp_path / "demo")
    at = AppTest.from_file(page_path("alignment.py"), default_timeout=60).run()
    assert not at.exception
    order = in_order(at)
    downloads = [i for i, e in enumerate(order) if getattr(e, "type", "") == "download_button"]
    heading = next(
        i
        for i, e in enumerate(order)
        if getattr(e, "type", "") == "subheader" and e.value == "Disagreements"
    )
    assert downloads and max(downloads) < heading  # the downloads are not buried below
    assert not at.expander or all("case " not in e.label for e in at.expander)  # no expanders
    rows = reports.disagreements(
        ui_store.scope(), run_id=info["run_id"], judge="llm_judge", limit=1000
    )
    table = at.dataframe[-1].value
    assert list(table.columns) == ["case", "judge", "human", "rater", "stratum", "input"]
    assert len(table) == alignment_view.PAGE_SIZE
    assert list(table["case"]) == [r["case_id"] for r in rows[: alignment_view.PAGE_SIZE]]
    assert any(f"{len(rows)} of {len(rows)} disagreements match" in c.value for c in at.caption)
    # Filter by the judge's label: only those rows, counted.
    judge_box = next(s for s in at.selectbox if s.label == "Judge label")
    judge_box.select("fail").run()
    assert not at.exception
    fails = [r for r in rows if r["judge_label"] == "fail"]
    table = at.dataframe[-1].value
    assert set(table["judge"]) == {"fail"}
    assert any(f"{len(fails)} of {len(rows)} disagreements match" in c.value for c in at.caption)
    # The last page holds the remainder.
    pages = -(-len(fails) // alignment_view.PAGE_SIZE)
    pager = next(n for n in at.number_input if n.label == f"Page (of {pages})")
    pager.set_value(pages).run()
    assert not at.exception
    remainder = len(fails) - (pages - 1) * alignment_view.PAGE_SIZE
    assert len(at.dataframe[-1].value) == remainder


def test_selecting_a_disagreement_shows_its_case(ui_store, tmp_path) -> None:
    info = demo.seed_demo(ui_store.scope(), tmp_path / "demo")
    at = AppTest.from_file(page_path("alignment.py"), default_timeout=60).run()
    assert any(c.value == "Select a row to read its case." for c in at.caption)
    # What the browser sends when the rater ticks the second row (the e2e test clicks it).
    at.session_state["alignment_disagreements"] = {
        "selection": {"rows": [1], "columns": [], "cells": []}
    }
    at.run()
    assert not at.exception
    row = reports.disagreements(ui_store.scope(), run_id=info["run_id"], judge="llm_judge")[1]
    texts = [m.value for m in at.markdown]
    assert (
        f"**Case {row['case_id']}**: judge said **{row['judge_label']}**, "
        f"{row['annotator']} said **{row['human_label']}**"
    ) in texts
    assert f"**Input**\n\n{row['input']}" in texts
    assert f"**Output**\n\n{row['output']}" in texts


def test_empty_store_explains_what_to_do(ui_store) -> None:
    at = AppTest.from_file(page_path("alignment.py"), default_timeout=30).run()
    assert not at.exception
    assert any("No runs yet" in i.value for i in at.info)


def test_pass_rate_and_label_until_decided_in_plain_words(ui_store, tmp_path) -> None:
    info = demo.seed_demo(ui_store.scope(), tmp_path / "demo")
    at = AppTest.from_file(page_path("alignment.py"), default_timeout=90).run()
    assert not at.exception
    expected = reports.build_report(ui_store.scope(), run_id=info["run_id"], judge="llm_judge")
    if expected.get("pass_rate"):
        assert any(h.value == "Pass rate by human standards" for h in at.subheader)
        first = expected["pass_rate"]["summary"][0]
        assert any(md.value == first for md in at.markdown)
    at.checkbox[0].check().run()
    assert not at.exception
    assert any(h.value == "Label until decided" for h in at.subheader)
    assert any(("decided" in md.value) for md in at.markdown)


def test_group_by_a_case_field_in_plain_words(ui_store, tmp_path) -> None:
    demo.seed_demo(ui_store.scope(), tmp_path / "demo")
    at = AppTest.from_file(page_path("alignment.py"), default_timeout=90).run()
    at.text_input[0].input("case_id").run()
    assert not at.exception
    assert any(md.value.startswith("Grouped by case_id") for md in at.markdown)


def test_per_stratum_chart_and_stratum_filter_for_a_bootstrapped_queue(ui_store, tmp_path) -> None:
    scope = ui_store.scope()
    info = demo.seed_demo(scope, tmp_path / "demo")
    queue = queues.create_queue(scope, name="stratified", target_type="eval_case")["queue_id"]
    bootstrap.run_bootstrap(
        scope, queue_id=queue, run_id=info["run_id"], sample_count=45, stratify_by="score", seed=3
    )
    for i in range(45):
        # Three labels in four say fail (the judge mostly says pass): disagreements to filter.
        assert claim_and_label(scope, queue, "rater_x", label="fail" if i % 4 else "pass")
    at = AppTest.from_file(page_path("alignment.py"), default_timeout=90).run()
    next(s for s in at.selectbox if s.label == "Labels from").select(queue).run()
    assert not at.exception
    expected = reports.build_report(scope, run_id=info["run_id"], judge="llm_judge", queue_id=queue)
    strata = {s["stratum"]: s for s in expected["per_stratum"]}
    assert strata
    plotted = [r for c in at.get("vega_lite_chart") for r in chart_rows(c) if "stratum" in r]
    accuracy = {r["stratum"]: r for r in plotted if r["metric"] == "accuracy"}
    assert set(accuracy) == set(strata)
    for name, row in accuracy.items():
        assert row["value"] == pytest.approx(strata[name]["accuracy"]["value"])
        assert row["ci_low"] == pytest.approx(strata[name]["accuracy"]["ci_low"])
    # The disagreements table names each case's stratum and filters on it.
    box = next(s for s in at.selectbox if s.label == "Stratum")
    assert not box.disabled and set(box.options) - {"(any)"} <= set(strata)
    chosen = box.options[1]
    box.select(chosen).run()
    assert not at.exception
    assert set(at.dataframe[-1].value["stratum"]) == {chosen}
