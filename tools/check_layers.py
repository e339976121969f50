"""Check the layering contracts of DESIGN.md with import-linter (`make check`).

The UI (app.py, server.py, pages/) lives at the top of the repository and ships in the wheel as
the package `evalguard_app`. In a checkout that package maps to the repository root, which
import-linter would walk whole (tests, bench, .venv), so the three packages are staged into a
temporary directory as they appear in the wheel and analysed there. tests/test_layers.py uses
it on a scratch copy with a module that breaks each contract.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from importlinter.cli import lint_imports

REPO = Path(__file__).resolve().parents[1]
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


def stage(repo: Path, dest: Path) -> None:
    """Copy evalguard_core, evalguard_ui and the UI (as evalguard_app) into `dest`."""
    for package in ("evalguard_core", "evalguard_ui"):
        shutil.copytree(repo / package, dest / package, ignore=_IGNORE)
    app = dest / "evalguard_app"
    shutil.copytree(repo / "pages", app / "pages", ignore=_IGNORE)
    for script in ("app.py", "server.py"):
        shutil.copy2(repo / script, app / script)
    for init in (app / "__init__.py", app / "pages" / "__init__.py"):
        init.write_text('"""Staged for import-linter."""\n')


def check(repo: Path = REPO, contracts: tuple[str, ...] = ()) -> int:
    """Stage `repo` and lint it with its pyproject.toml; 0 when every contract holds."""
    with tempfile.TemporaryDirectory(prefix="evalguard-layers-") as tmp:
        stage(repo, Path(tmp))
        # import-linter puts the working directory first on sys.path: make that the staged copy.
        cwd = Path.cwd()
        os.chdir(tmp)
        sys.path.insert(0, tmp)
        try:
            return lint_imports(
                config_filename=str(repo / "pyproject.toml"),
                limit_to_contracts=contracts,
                no_cache=True,
                no_logo=True,
            )
        finally:
            sys.path.remove(tmp)
            os.chdir(cwd)


def main() -> int:
    """`python tools/check_layers.py [--repo DIR] [CONTRACT_ID ...]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=REPO, help="tree to check (default: this one)")
    parser.add_argument("contracts", nargs="*", help="contract ids (default: all)")
    args = parser.parse_args()
    return check(args.repo, tuple(args.contracts))


if __name__ == "__main__":
    sys.exit(main())
