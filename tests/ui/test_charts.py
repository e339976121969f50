"""One colour-blind-safe palette in one place, whole-number count ticks, import progress words."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from streamlit.testing.v1 import AppTest

from evalguard_core import runs
from evalguard_core.importers import ImportProgress
from evalguard_ui import charts, importing
from tests.conftest import SAMPLE_CSV
from tests.ui.conftest import REPO, page_path

# Okabe & Ito (2008): the reference set, independent of the code under test.
OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}


def test_the_theme_palette_is_okabe_ito_and_the_code_mirrors_it() -> None:
    theme = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())["theme"]
    assert list(charts.PALETTE) == theme["chartCategoricalColors"]
    assert {c.upper() for c in charts.PALETTE} == OKABE_ITO


def test_no_chart_names_a_colour_scheme_of_its_own() -> None:
    sources = [*Path(REPO / "pages").glob("*.py"), *Path(REPO / "evalguard_ui").glob("*.py")]
    offenders = [p.name for p in sources if re.search(r"scheme\s*=", p.read_text())]
    assert offenders == []


def test_small_run_charts_count_in_whole_numbers(ui_store, tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    path.write_text(SAMPLE_CSV)
    runs.import_run(ui_store.scope(), path, name="four cases")
    at = AppTest.from_file(page_path("runs.py"), default_timeout=30).run()
    assert not at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    y_axes = [s["encoding"]["y"] for s in specs if s.get("encoding", {}).get("y")]
    counts = [y for y in y_axes if y["field"] == "count"]
    assert len(counts) >= 2  # the score histogram and the judge's label counts
    for y in counts:
        assert y["axis"] == {"format": "d", "tickMinStep": 1}


def test_progress_words() -> None:
    assert importing.progress_text(ImportProgress("read", 12_000, 0, 0, 2)) == (
        "Read 12,000 rows; storing…"
    )
    assert importing.progress_text(ImportProgress("stored", 12_000, 7_000, 1, 2)) == (
        "Read 12,000 rows; stored 7,000 cases (1 of 2 runs)"
    )
    assert importing.progress_text(ImportProgress("stored", 16, 16, 1, 1)) == (
        "Read 16 rows; stored 16 cases (1 of 1 run)"
    )
    assert importing.size_text(512) == "512 bytes"
    assert importing.size_text(12_345_678) == "12.3 MB"
