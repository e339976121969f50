"""Issue #14 on the real server.py and CLI: loopback-only without keys, unique key names,
the last admin, the sign-in cookie and page guard, security headers, the header timeout."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from evalguard_core import auth, sessions
from evalguard_core.errors import EvalGuardError
from evalguard_core.serving import check_exposure
from evalguard_core.store import Store
from tests.servers import REPO, free_port, start_server, stop, wait_healthy


def evalguard(db: Path, *args: str) -> subprocess.CompletedProcess:
    """The CLI as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "evalguard_core", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )


# -- item 3: local single-user mode never faces a network --------------------------------------


def test_serve_without_keys_refuses_a_non_loopback_host(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    out = evalguard(db, "serve", "--host", "0.0.0.0", "--port", str(free_port()))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr
    assert "evalguard keys create --name NAME --role admin" in lines[0]
    assert "--insecure-no-auth" in lines[0]


def test_exposure_rule(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.duckdb")
    try:
        assert check_exposure(store, "127.0.0.1") is False
        assert check_exposure(store, "::1") is False
        with pytest.raises(EvalGuardError):
            check_exposure(store, "0.0.0.0")
        assert check_exposure(store, "0.0.0.0", insecure_no_auth=True) is True  # banner due
        admin = auth.create_key(store, name="boss", role="admin")
        rater = auth.create_key(store, name="r", role="annotator")
        assert check_exposure(store, "0.0.0.0") is False
        # Revoking keys never reopens local mode (it used to once every key was revoked).
        auth.revoke_key(store.scope(), rater["key_id"])
        assert auth.sign_in_required(store)
        with pytest.raises(EvalGuardError, match="last active admin"):
            auth.revoke_key(store.scope(), admin["key_id"])
    finally:
        store.close()


def test_cli_refuses_to_revoke_the_last_admin_and_a_duplicate_name(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    boss = json.loads(
        evalguard(db, "keys", "create", "--name", "boss", "--role", "admin", "--json").stdout
    )
    assert (
        evalguard(db, "keys", "create", "--name", "rater01", "--role", "annotator").returncode == 0
    )
    dup = evalguard(db, "keys", "create", "--name", "rater01", "--role", "annotator")
    assert dup.returncode == 2 and "already exists" in dup.stderr
    assert len(dup.stderr.strip().splitlines()) == 1
    last = evalguard(db, "keys", "revoke", boss["key_id"])
    assert last.returncode == 2 and "last active admin" in last.stderr
    listed = json.loads(evalguard(db, "keys", "list", "--json").stdout)
    assert [k["name"] for k in listed if k["revoked_at"] is None] == ["boss", "rater01"]


def test_a_revoked_name_can_be_given_to_a_new_key(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.duckdb")
    try:
        auth.create_key(store, name="boss", role="admin")
        old = auth.create_key(store, name="rater01", role="annotator")
        auth.revoke_key(store.scope(), old["key_id"])
        new = auth.create_key(store, name="rater01", role="annotator")
        assert auth.authenticate(store, new["key"]).name == "rater01"
    finally:
        store.close()


# -- items 1, 2, 12, 15 on the running server ---------------------------------------------------


@pytest.fixture
def keyed_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    """server.py over a store with an admin and an annotator key, header timeout 1 s."""
    db = tmp_path / "data" / "s.duckdb"
    db.parent.mkdir(parents=True)
    keys = {
        name: json.loads(
            evalguard(db, "keys", "create", "--name", name, "--role", role, "--json").stdout
        )["key"]
        for name, role in (("boss", "admin"), ("alice", "annotator"))
    }
    port = free_port()
    proc = start_server(db, port, env={"EVALGUARD_HEADER_TIMEOUT": "1"})
    try:
        wait_healthy(port, proc)
        yield f"http://127.0.0.1:{port}", keys, db
    finally:
        stop(proc)


def test_sign_in_sets_a_signed_httponly_cookie_and_the_guard_keeps_deep_links(keyed_server) -> None:
    base, keys, _ = keyed_server
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as c:
        guard = c.get("/label")
        assert guard.status_code == 303 and guard.headers["location"] == "/auth/sign-in?next=/label"
        form = c.get(guard.headers["location"])
        assert form.status_code == 200 and 'name="next" value="/label"' in form.text
        assert "frame-ancestors 'none'" in form.headers["content-security-policy"]
        assert ".duckdb" not in form.text and "pages/" not in form.text  # nothing for strangers
        bad = c.post("/auth/session", data={"key": "eg_nope", "next": "/label"})
        assert bad.status_code == 401 and "not valid" in bad.text
        ok = c.post("/auth/session", data={"key": keys["alice"], "next": "/label"})
        assert ok.status_code == 303 and ok.headers["location"] == "/label"
        cookie = ok.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=" in cookie
        assert keys["alice"] not in ok.headers["set-cookie"]  # the key itself never goes out
        page = c.get("/label")
        assert page.status_code == 200 and "<html" in page.text.lower()
        # A forged or foreign next never leaves the site.
        away = c.post("/auth/session", data={"key": keys["alice"], "next": "//evil.example/x"})
        assert away.headers["location"] == "/"
        c.get("/auth/sign-out")
        assert c.get("/label").status_code == 303
        tampered = httpx.get(
            f"{base}/label", cookies={sessions.COOKIE: "x" + ok.cookies[sessions.COOKIE]}
        )
        assert tampered.status_code == 303


def test_a_signed_out_cookie_never_works_again(keyed_server) -> None:
    base, keys, _ = keyed_server
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as c:
        c.post("/auth/session", data={"key": keys["alice"], "next": "/"})
        stolen = c.cookies[sessions.COOKIE]
        c.post("/auth/sign-out", headers={"origin": base})
    replay = httpx.get(f"{base}/", cookies={sessions.COOKIE: stolen}, follow_redirects=False)
    assert replay.status_code == 303


def test_a_connection_that_never_finishes_its_headers_is_closed(keyed_server) -> None:
    base, _, _ = keyed_server
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        deadline = time.monotonic() + 15
        data = b"?"
        while data and time.monotonic() < deadline:
            data = sock.recv(1024)
        assert data == b"", "the server kept the half-sent request open"
    assert httpx.get(f"{base}/api/health").status_code == 200  # complete requests still work


def test_session_of_a_revoked_key_ends(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.duckdb")
    try:
        auth.create_key(store, name="boss", role="admin")
        made = auth.create_key(store, name="alice", role="annotator")
        actor = auth.authenticate(store, made["key"])
        cookie = sessions.make_cookie(store, actor)
        assert sessions.session_actor(store, cookie) == actor
        auth.revoke_key(store.scope(), made["key_id"])
        assert sessions.session_actor(store, cookie) is None
    finally:
        store.close()
