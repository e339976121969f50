"""Configuration: one module reads the environment, and the README documents exactly that."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evalguard_core import config

README = Path(__file__).resolve().parents[1] / "README.md"
CORE = Path(config.__file__).resolve().parent


def test_the_readme_table_lists_every_variable_with_its_default() -> None:
    table = README.read_text().split("<!-- config-table -->")[1].split("<!-- /config-table -->")[0]
    documented = dict(re.findall(r"^\| `(EVALGUARD_\w+)` \| ([^|]+) \|", table, flags=re.M))
    assert list(documented) == config.variable_names()
    for variable in config.VARIABLES:
        shown = documented[variable.name].strip()
        assert shown == (f"`{variable.default}`" if variable.default else "(unset)")


def test_no_other_module_reads_the_environment() -> None:
    readers = [
        str(path.relative_to(CORE))
        for path in CORE.rglob("*.py")
        if path != Path(config.__file__).resolve()
        and re.search(r"os\.environ(?!\s*\))|os\.getenv", path.read_text())
    ]
    # cli/server.py hands the whole environment to the server process it starts.
    assert readers == [] or readers == ["cli/server.py"], readers


def test_settings_apply_defaults_and_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in config.variable_names():
        monkeypatch.delenv(name, raising=False)
    s = config.settings()
    assert (s.db, s.port, s.host, s.demo, s.org) == (
        config.DEFAULT_DB,
        8501,
        "127.0.0.1",
        True,
        None,
    )
    monkeypatch.setenv("EVALGUARD_DEMO", "no")
    monkeypatch.setenv("EVALGUARD_PORT", "9000")
    monkeypatch.setenv("EVALGUARD_ORG", "acme")
    s = config.settings()
    assert (s.demo, s.port, s.org) == (False, 9000, "acme")
