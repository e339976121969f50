"""Keys page: an admin creates and revokes keys of its own organization only."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from evalguard_core import auth, orgs
from evalguard_core.errors import AuthenticationError
from tests.ui.conftest import REPO, page_path


def test_local_admin_creates_first_key_shown_once_and_sidebar_turns_to_sign_in(
    ui_store, served_like_server
) -> None:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=30).run()
    at.switch_page("pages/keys.py").run()
    assert any("No keys yet" in i.value for i in at.info)
    assert any("Local single-user mode" in i.value for i in at.sidebar.info)
    at.text_input[0].input("alice")
    at.selectbox[0].select("annotator")
    at.button[0].click().run()
    assert not at.exception
    shown = at.code[0].value
    assert shown.startswith("eg_")
    who = auth.authenticate(ui_store, shown)
    assert (who.name, who.role) == ("alice", "annotator")
    assert any("sign-in is now on" in s.value for s in at.success)
    # The same run's sidebar already knows: no local-mode notice, no admin links, a sign-in link.
    assert not any("Local single-user mode" in i.value for i in at.sidebar.info)
    sidebar_text = " ".join(m.value for m in at.sidebar.markdown)
    assert "/auth/sign-in" in sidebar_text and "DuckDB file" not in sidebar_text
    assert not at.sidebar.get("page_link")


def test_a_duplicate_key_name_is_refused(ui_store) -> None:
    mine = auth.create_key(ui_store, name="boss", role="admin")
    auth.create_key(ui_store, name="rater01", role="annotator")
    at = AppTest.from_file(page_path("keys.py"), default_timeout=30)
    at.session_state["eg_actor"] = auth.authenticate(ui_store, mine["key"])
    at.run()
    at.text_input[0].input("rater01")
    at.button[0].click().run()
    assert any("already exists" in w.value for w in at.warning)
    assert not at.code
    assert [k["name"] for k in auth.list_keys(ui_store.scope())] == ["boss", "rater01"]


def test_admin_sees_only_its_org_and_cannot_revoke_itself(ui_store) -> None:
    orgs.create_org(ui_store, "beta")
    auth.create_key(ui_store, name="beta_admin", role="admin", org="beta")
    mine = auth.create_key(ui_store, name="boss", role="admin")
    other = auth.create_key(ui_store, name="temp", role="viewer")
    at = AppTest.from_file(page_path("keys.py"), default_timeout=30)
    at.session_state["eg_actor"] = auth.authenticate(ui_store, mine["key"])
    at.run()
    names = list(at.dataframe[0].value["name"])
    assert names == ["boss", "temp"]
    revoke = next(s for s in at.selectbox if s.label == "Revoke a key")
    revoke.select(mine["key_id"])
    next(b for b in at.button if b.label == "Revoke").click().run()
    assert any("cannot revoke the key you are signed in with" in w.value for w in at.warning)
    revoke = next(s for s in at.selectbox if s.label == "Revoke a key")
    revoke.select(other["key_id"])
    next(b for b in at.button if b.label == "Revoke").click().run()
    assert any("Revoked" in s.value for s in at.success)
    with pytest.raises(AuthenticationError):
        auth.authenticate(ui_store, other["key"])


def test_annotator_is_refused(ui_store) -> None:
    key = auth.create_key(ui_store, name="ann", role="annotator")["key"]
    at = AppTest.from_file(page_path("keys.py"), default_timeout=30)
    at.session_state["eg_actor"] = auth.authenticate(ui_store, key)
    at.run()
    assert any("needs the admin role" in w.value for w in at.warning)
