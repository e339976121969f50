"""The DuckDB adapter: one database instance per process, a cursor per thread, `atomic()`.

This module and `evalguard_core.store` are the only places that import duckdb.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from evalguard_core.errors import StoreError

# Raised by DuckDB when two transactions touch the same row; callers retry on it.
TransactionConflict = duckdb.TransactionException
# Raised when a write breaks a UNIQUE/PRIMARY KEY constraint.
ConstraintViolation = duckdb.ConstraintException

log = logging.getLogger("evalguard.store")

# DuckDB reports a write-write conflict as a TransactionException saying "Conflict"; any other
# TransactionException (e.g. "Failed to commit: ... No space left on device") or I/O error is
# the storage failing, which must surface as 503, never as a retryable claim conflict.
_STORAGE_ERRORS = (duckdb.IOException, duckdb.FatalException, duckdb.InternalException)


def _is_conflict(exc: BaseException) -> bool:
    """Whether a DuckDB error is a transaction conflict (retry) rather than a storage failure."""
    return isinstance(exc, duckdb.TransactionException) and "conflict" in str(exc).lower()


@contextmanager
def storage_errors(path: Path) -> Iterator[None]:
    """Turn storage failures (full disk, I/O, invalidated database) into a logged StoreError."""
    try:
        yield
    except duckdb.TransactionException as exc:
        if _is_conflict(exc):
            raise
        raise _storage_failure(path, exc) from exc
    except _STORAGE_ERRORS as exc:
        raise _storage_failure(path, exc) from exc
    except duckdb.Error as exc:
        if "invalidated" in str(exc):
            raise _storage_failure(path, exc) from exc
        raise


def _storage_failure(path: Path, exc: BaseException) -> StoreError:
    """Log the cause once and give the error every surface reports (API: 503)."""
    log.error("storage failure on %s: %s: %s", path, type(exc).__name__, exc)
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return StoreError(
        f"the store cannot be written or read ({first}); nothing was saved, check the "
        "server's disk and log",
        details={"retryable": False},
    )


_LOCK_RE = re.compile(r"Conflicting lock is held in (?P<exe>.+?) \(PID (?P<pid>\d+)\)")


def _migrations() -> list[tuple[int, str, str]]:
    """Every migration shipped with the package as (version, name, sql), in order."""
    found = []
    for entry in resources.files("evalguard_core.migrations").iterdir():
        match = re.match(r"^(\d{4})_(\w+)\.sql$", entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    return sorted(found)


def latest_schema_version() -> int:
    """The schema version this code writes."""
    migrations = _migrations()
    return migrations[-1][0] if migrations else 0


def _split_sql(script: str) -> list[str]:
    """Split a migration script into statements (no semicolons inside our literals)."""
    body = "\n".join(line for line in script.splitlines() if not line.strip().startswith("--"))
    return [stmt.strip() for stmt in body.split(";") if stmt.strip()]


class Database:
    """An open DuckDB file shared by every thread of this process."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            raise StoreError(_explain_open_error(self.path, exc)) from None
        except duckdb.Error as exc:
            raise StoreError(f"cannot open {self.path}: {exc}") from None
        self._local = threading.local()
        self._closed = False
        if not read_only:
            self.migrate()

    # -- connections -------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor (DuckDB connections are not safe to share across threads)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            if self._closed:
                raise StoreError(f"the store {self.path} is closed")
            cur = self._con.cursor()
            self._local.cursor = cur
            self._local.depth = 0
        return cur

    @contextmanager
    def atomic(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run the block in one transaction; nested calls join the outer one."""
        cur = self.cursor()
        if self._local.depth:
            self._local.depth += 1
            try:
                yield cur
            finally:
                self._local.depth -= 1
            return
        with storage_errors(self.path):
            cur.execute("BEGIN TRANSACTION")
        self._local.depth = 1
        try:
            yield cur
        except BaseException:
            self._local.depth = 0
            with suppress(duckdb.Error):  # an aborted transaction may already be gone
                cur.execute("ROLLBACK")
            raise
        else:
            self._local.depth = 0
            try:
                with storage_errors(self.path):
                    cur.execute("COMMIT")
            except BaseException:
                with suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                raise

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """Execute one parameterised statement on this thread's cursor."""
        cur = self.cursor()
        with storage_errors(self.path):
            return cur.execute(sql, params) if params is not None else cur.execute(sql)

    def fetchall(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> list[tuple]:
        """Rows of a query."""
        return self.execute(sql, params).fetchall()

    def fetchone(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> tuple | None:
        """First row of a query, or None."""
        return self.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """The first column of the first row (aggregates such as count(*) always return one)."""
        row = self.fetchone(sql, params)
        if row is None:
            raise StoreError(f"expected one row from: {sql.split()[0]} ...")
        return row[0]

    def fetch_dicts(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Rows of a query as dicts keyed by column name."""
        cur = self.execute(sql, params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def fetch_dict(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """The first row of a query as a dict, or None."""
        rows = self.fetch_dicts(sql, params)
        return rows[0] if rows else None

    def fetch_df(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """A query's result as a pandas DataFrame."""
        return self.execute(sql, params).df()

    def close(self) -> None:
        """Close the database (every thread's cursor goes with it)."""
        if not self._closed:
            self._closed = True
            self._con.close()

    # -- migrations --------------------------------------------------------------------------
    def schema_version(self) -> int:
        """The version recorded in the file (0 for an empty file)."""
        exists = self.fetchone(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
        )
        if not exists or not exists[0]:
            return 0
        row = self.fetchone("SELECT max(version) FROM schema_version")
        return int(row[0]) if row and row[0] is not None else 0

    def migrate(self) -> int:
        """Bring the file up to this code's schema; each step is its own transaction."""
        current = self.schema_version()
        latest = latest_schema_version()
        if current > latest:
            raise StoreError(
                f"{self.path} has schema version {current}, newer than this EvalGuard "
                f"understands ({latest}); upgrade EvalGuard to open it"
            )
        for version, name, sql in _migrations():
            if version <= current:
                continue
            with self.atomic() as cur:
                for stmt in _split_sql(sql):
                    cur.execute(stmt)
                cur.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, now())",
                    [version, name],
                )
        return latest


def _explain_open_error(path: Path, exc: Exception) -> str:
    """One line telling which process holds the file and what to do."""
    text = str(exc)
    match = _LOCK_RE.search(text)
    if match:
        return (
            f"the store {path} is in use by another process (PID {match.group('pid')}, "
            f"{match.group('exe')}); stop it (e.g. the running `evalguard serve`) or use the "
            f"REST API while it runs, or pass another --db"
        )
    return f"cannot open {path}: {text.splitlines()[0]}"
