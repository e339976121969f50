"""Rewrite the README's configuration table from evalguard_core/config.py (`VARIABLES`).

tests/test_config.py fails when the two disagree; run this after adding a variable.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evalguard_core.config import VARIABLES  # noqa: E402

HEADER = "| variable | default | what it does |\n|---|---|---|\n"


def table() -> str:
    """The Markdown rows, one per variable, in VARIABLES order."""
    return "\n".join(
        f"| `{v.name}` | {f'`{v.default}`' if v.default else '(unset)'} | {v.help} |"
        for v in VARIABLES
    )


def main() -> int:
    """Replace the block between the README's config-table markers."""
    readme = REPO / "README.md"
    text = readme.read_text()
    new = re.sub(
        r"(<!-- config-table -->\n).*?(\n<!-- /config-table -->)",
        lambda m: m.group(1) + HEADER + table() + m.group(2),
        text,
        flags=re.S,
    )
    readme.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
