"""The `evalguard` command line: thin commands over evalguard_core.

Every command takes --db (env EVALGUARD_DB), --org and --json. Errors are one line on
stderr with exit code 2; `align` exits 1 when its gate fails.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import httpx

from evalguard_core import __version__
from evalguard_core.cli import common, remote
from evalguard_core.config import settings
from evalguard_core.errors import EvalGuardError

# Each module adds its subcommands with `register(subparsers)`.
COMMAND_MODULES = (
    "runs",
    "keys",
    "server",
    "exports",
    "align",
    "bootstrap",
    "tasks",
    "queues",
    "store",
    "lifecycle",
    "rubrics",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used by the docs test)."""
    import importlib

    parser = argparse.ArgumentParser(
        prog="evalguard",
        description="EvalGuard: human review of LLM evals. See README.md for a tour.",
    )
    parser.add_argument("--version", action="version", version=f"evalguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"evalguard_core.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.handler(args)
    except EvalGuardError as exc:
        print(f"evalguard: error: {exc.message}", file=sys.stderr)
        return 2
    except httpx.TransportError as exc:  # remote mode: the server cannot be reached
        url = getattr(args, "url", None) or "the server"
        print(f"evalguard: error: cannot reach {url}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("evalguard: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for users; EVALGUARD_DEBUG=1 shows it
        if settings().debug:
            raise
        print(
            f"evalguard: error: unexpected {type(exc).__name__}: {exc} "
            "(set EVALGUARD_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 2
    finally:
        common.close_store()
        remote.close_clients()
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
