"""Issue #14 in AppTests: revocation ends a tab's session, blind raters, pages never run alone."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from evalguard_core import auth, runs
from tests.conftest import SAMPLE_CSV
from tests.ui.conftest import REPO, page_path


def _signed_in(at: AppTest, store, key: str) -> AppTest:
    at.session_state["eg_actor"] = auth.authenticate(store, key)
    return at


def test_a_revoked_key_signs_the_tab_out_at_its_next_interaction(
    ui_store, served_like_server
) -> None:
    auth.create_key(ui_store, name="boss", role="admin")
    alice = auth.create_key(ui_store, name="alice", role="annotator")
    at = _signed_in(
        AppTest.from_file(str(REPO / "app.py"), default_timeout=30), ui_store, alice["key"]
    )
    at.run()
    assert any("Signed in as **alice**" in s.value for s in at.sidebar.success)
    auth.revoke_key(ui_store.scope(), alice["key_id"])
    at.run()  # the next interaction
    assert not any("Signed in as" in s.value for s in at.sidebar.success)
    assert any("Sign in to continue" in i.value for i in at.info)
    assert "eg_actor" not in at.session_state


def test_a_revoked_admin_tab_cannot_create_a_key(ui_store) -> None:
    auth.create_key(ui_store, name="boss2", role="admin")
    boss = auth.create_key(ui_store, name="boss", role="admin")
    at = _signed_in(
        AppTest.from_file(page_path("keys.py"), default_timeout=30), ui_store, boss["key"]
    )
    at.run()
    auth.revoke_key(ui_store.scope(), boss["key_id"])
    at.text_input[0].input("intruder")
    at.selectbox[0].select("admin")
    at.button[0].click().run()
    assert not at.code  # no key shown
    assert "intruder" not in [k["name"] for k in auth.list_keys(ui_store.scope())]


def test_annotators_see_no_judge_column_and_no_alignment_page(
    ui_store, tmp_path: Path, served_like_server
) -> None:
    path = tmp_path / "run.csv"
    path.write_text(SAMPLE_CSV, encoding="utf-8")
    runs.import_run(ui_store.scope(), path, name="sample")
    auth.create_key(ui_store, name="boss", role="admin")
    rater = auth.create_key(ui_store, name="rater", role="annotator")["key"]
    viewer = auth.create_key(ui_store, name="viewer", role="viewer")["key"]

    at = _signed_in(AppTest.from_file(page_path("runs.py"), default_timeout=30), ui_store, rater)
    at.run()
    assert not at.exception
    columns = list(at.dataframe[0].value.columns)
    assert "llm_judge" not in columns and "accuracy" not in columns
    at = _signed_in(AppTest.from_file(page_path("runs.py"), default_timeout=30), ui_store, viewer)
    at.run()
    assert "llm_judge" in list(at.dataframe[-1].value.columns)

    at = _signed_in(
        AppTest.from_file(page_path("alignment.py"), default_timeout=30), ui_store, rater
    )
    at.run()
    assert any("label blind" in w.value for w in at.warning)
    app = _signed_in(AppTest.from_file(str(REPO / "app.py"), default_timeout=30), ui_store, rater)
    app.run()
    links = " ".join(str(link.proto) for link in app.sidebar.get("page_link"))
    assert "Label" in links and "Alignment" not in links and "API keys" not in links
