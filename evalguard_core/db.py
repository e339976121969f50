"""The database layer: one interface (`Database`), two implementations (DuckDB, PostgreSQL).

Every statement the store writes uses `?` placeholders (or `$name` with a dict) and the DuckDB
spelling; the PostgreSQL implementation translates placeholders, and its schema defines the few
DuckDB functions the shared SQL uses (`isnan`, `list_contains`), so a statement that reads the
same on both backends is written once. Where the dialects really differ, the store passes a
`Dialects` pair for that one statement. Rows come back decoded (tuples, dicts, DataFrames, Arrow
tables), updates report their row count, and driver errors are translated into the product's
exception tree (`TransactionConflict`, `StoreError`).

This module and `evalguard_core.store` are the only places that import duckdb or psycopg.
"""

from __future__ import annotations

import abc
import functools
import logging
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from evalguard_core.errors import ConstraintViolation, StoreError, TransactionConflict

__all__ = [
    "Database",
    "Dialects",
    "DuckDatabase",
    "Params",
    "ConstraintViolation",
    "TransactionConflict",
    "is_database_url",
    "latest_schema_version",
    "open_database",
]

Params = Sequence[Any] | dict[str, Any] | None

DUCKDB = "duckdb"
POSTGRESQL = "postgresql"
BACKENDS = (DUCKDB, POSTGRESQL)

log = logging.getLogger("evalguard.store")

# DuckDB reports a write-write conflict as a TransactionException saying "Conflict"; any other
# TransactionException (e.g. "Failed to commit: ... No space left on device") or I/O error is
# the storage failing, which must surface as 503, never as a retryable claim conflict.
_STORAGE_ERRORS = (duckdb.IOException, duckdb.FatalException, duckdb.InternalException)


def _is_conflict(exc: BaseException) -> bool:
    """Whether a DuckDB error is a transaction conflict (retry) rather than a storage failure."""
    return isinstance(exc, duckdb.TransactionException) and "conflict" in str(exc).lower()


def _storage_failure(location: object, exc: BaseException) -> StoreError:
    """Log the cause once and give the error every surface reports (API: 503)."""
    log.error("storage failure on %s: %s: %s", location, type(exc).__name__, exc)
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return StoreError(
        f"the store cannot be written or read ({first}); nothing was saved, check the "
        "server's disk and log",
        details={"retryable": False},
    )


def _translate_duckdb(location: object, exc: BaseException) -> BaseException:
    """The product's exception for a DuckDB error: conflict, constraint, storage, or itself."""
    if isinstance(exc, duckdb.TransactionException):
        if _is_conflict(exc):
            return TransactionConflict(str(exc).splitlines()[0])
        return _storage_failure(location, exc)
    if isinstance(exc, duckdb.ConstraintException):
        return ConstraintViolation(str(exc).splitlines()[0])
    if isinstance(exc, _STORAGE_ERRORS) or (
        isinstance(exc, duckdb.Error) and "invalidated" in str(exc)
    ):
        return _storage_failure(location, exc)
    return exc


_LOCK_RE = re.compile(r"Conflicting lock is held in (?P<exe>.+?) \(PID (?P<pid>\d+)\)")


@dataclass(frozen=True)
class Dialects:
    """One statement spelled for each backend, for the few places where SQL must differ."""

    duckdb: str
    postgresql: str

    def for_dialect(self, dialect: str) -> str:
        """The spelling for `dialect`."""
        return self.duckdb if dialect == DUCKDB else self.postgresql


Sql = str | Dialects


def is_database_url(location: str | Path) -> bool:
    """True for a `postgresql://` (or `postgres://`) URL, False for a DuckDB file path."""
    return str(location).startswith(("postgresql://", "postgres://"))


# -- migrations --------------------------------------------------------------------------------
def migrations(dialect: str) -> list[tuple[int, str, str]]:
    """Every migration shipped for a backend as (version, name, sql), in order."""
    found = []
    folder = resources.files("evalguard_core.migrations") / dialect
    for entry in folder.iterdir():
        match = re.match(r"^(\d{4})_(\w+)\.sql$", entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    return sorted(found)


def latest_schema_version(dialect: str = DUCKDB) -> int:
    """The schema version this code writes."""
    found = migrations(dialect)
    return found[-1][0] if found else 0


def _split_sql(script: str) -> list[str]:
    """Split a migration script into statements (no semicolons inside our literals)."""
    body = "\n".join(line for line in script.splitlines() if not line.strip().startswith("--"))
    return [stmt.strip() for stmt in body.split(";") if stmt.strip()]


def schema_problem(location: str, current: int, latest: int) -> str | None:
    """Why a store at schema `current` cannot be served by code at `latest`, or None."""
    if current > latest:
        return (
            f"{location} has schema version {current}, newer than this EvalGuard understands "
            f"({latest}); upgrade EvalGuard to open it"
        )
    if current < latest:
        return (
            f"{location} has schema version {current}, this EvalGuard needs {latest}; run "
            "`evalguard migrate` (with the same --database-url) first"
        )
    return None


class Database(abc.ABC):
    """The store's only handle on a database: statements in, decoded rows out."""

    dialect: str = DUCKDB
    # Where the data lives, for messages (a file path, or a URL without its password).
    location: str = ""

    # -- statements -----------------------------------------------------------------------
    @abc.abstractmethod
    def _run(self, sql: str, params: Params, *, want: str) -> Any:
        """Execute one statement; `want` is rows | dicts | count | arrow."""

    @property
    def shared(self) -> bool:
        """True when other processes may use this database at once (replicas, ADR 0013)."""
        return self.dialect != DUCKDB

    @property
    def closed(self) -> bool:
        """True once `close()` ran."""
        return bool(getattr(self, "_closed", False))

    def sql(self, sql: Sql) -> str:
        """The statement's text for this backend."""
        return sql.for_dialect(self.dialect) if isinstance(sql, Dialects) else sql

    def execute(self, sql: Sql, params: Params = None) -> int:
        """Execute a statement; returns how many rows it changed (-1 when it says nothing)."""
        return int(self._run(self.sql(sql), params, want="count"))

    def write(self, sql: Sql, params: Params = None) -> None:
        """Execute a statement whose result nobody reads (an INSERT of a new row, an event).

        Inside `atomic()` PostgreSQL may send it with the next statement or the COMMIT, so its
        errors can surface there; outside a transaction it is `execute`.
        """
        self.execute(sql, params)

    def fetchall(self, sql: Sql, params: Params = None) -> list[tuple]:
        """Rows of a query."""
        return list(self._run(self.sql(sql), params, want="rows"))

    def fetchone(self, sql: Sql, params: Params = None) -> tuple | None:
        """First row of a query, or None."""
        rows = self.fetchall(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: Sql, params: Params = None) -> Any:
        """The first column of a query's first row (None when there is no row)."""
        row = self.fetchone(sql, params)
        return row[0] if row else None

    def fetch_dicts(self, sql: Sql, params: Params = None) -> list[dict[str, Any]]:
        """Rows of a query as dicts keyed by column name."""
        return list(self._run(self.sql(sql), params, want="dicts"))

    def fetch_dict(self, sql: Sql, params: Params = None) -> dict[str, Any] | None:
        """The first row of a query as a dict, or None."""
        rows = self.fetch_dicts(sql, params)
        return rows[0] if rows else None

    def fetch_arrow(self, sql: Sql, params: Params = None) -> Any:
        """A query's result as a pyarrow Table."""
        return self._run(self.sql(sql), params, want="arrow")

    def fetch_df(self, sql: Sql, params: Params = None) -> Any:
        """A query's result as a pandas DataFrame."""
        return self.fetch_arrow(sql, params).to_pandas()

    @abc.abstractmethod
    @contextmanager
    def atomic(self, *, bulk: bool = False) -> Iterator[Database]:
        """Run the block in one transaction; nested calls join the outer one. `bulk`: the block
        calls `load_arrow` (PostgreSQL then runs it without pipelining, which COPY forbids)."""

    @abc.abstractmethod
    def load_arrow(self, table: str, data: Any) -> int:
        """Bulk-load a pyarrow Table whose column names are columns of `table`."""

    @abc.abstractmethod
    def reserve_ids(self, sequence: str, n: int) -> int:
        """Take `n` consecutive values of a sequence; returns the first."""

    @abc.abstractmethod
    def set_sequence(self, sequence: str, next_value: int) -> None:
        """Make the sequence's next value `next_value` (after copying rows in)."""

    @abc.abstractmethod
    def table_names(self) -> list[str]:
        """The store's tables (schema_version included), sorted."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the database (files, connections)."""

    # -- migrations -----------------------------------------------------------------------
    def schema_version(self) -> int:
        """The version recorded in the store (0 for an empty one)."""
        if "schema_version" not in self.table_names():
            return 0
        row = self.fetchone("SELECT max(version) FROM schema_version")
        return int(row[0]) if row and row[0] is not None else 0

    def latest_version(self) -> int:
        """The schema version this code writes for this backend."""
        return latest_schema_version(self.dialect)

    def check_schema(self) -> None:
        """Raise StoreError unless the store is at exactly this code's schema version."""
        problem = schema_problem(self.location, self.schema_version(), self.latest_version())
        if problem:
            raise StoreError(problem)

    def migrate(self) -> int:
        """Bring the store up to this code's schema; each step is its own transaction."""
        current = self.schema_version()
        latest = self.latest_version()
        if current > latest:
            raise StoreError(schema_problem(self.location, current, latest) or "")
        for version, name, script in migrations(self.dialect):
            if version <= current:
                continue
            with self.atomic():
                self._run_script(script)
                self.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, now())",
                    [version, name],
                )
        return latest

    def _run_script(self, script: str) -> None:
        """Run a migration script's statements (inside the caller's transaction)."""
        for stmt in _split_sql(script):
            self._run(stmt, None, want="raw")


# -- DuckDB --------------------------------------------------------------------------------
class DuckDatabase(Database):
    """An open DuckDB file shared by every thread of this process."""

    dialect = DUCKDB

    def __init__(self, path: str | Path, *, read_only: bool = False, migrate: bool = True) -> None:
        self.path = Path(path)
        self.location = str(self.path)
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
        self._ids_lock = threading.Lock()
        if migrate and not read_only:
            self.migrate()

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

    def _run(self, sql: str, params: Params, *, want: str) -> Any:
        """Execute on this thread's cursor, translating conflicts."""
        cur = self.cursor()
        try:
            if want == "arrow":
                return cur.sql(sql, params=params).to_arrow_table()
            res = cur.execute(sql, params) if params is not None else cur.execute(sql)
            if want == "raw":
                return None
            if want == "count":
                desc = res.description
                if desc and len(desc) == 1 and desc[0][0] == "Count":
                    row = res.fetchone()
                    return int(row[0]) if row else 0
                return -1
            if want == "dicts":
                cols = [d[0] for d in res.description]
                return [dict(zip(cols, row, strict=True)) for row in res.fetchall()]
            return res.fetchall()
        except duckdb.Error as exc:
            translated = _translate_duckdb(self.path, exc)
            if translated is exc:
                raise
            raise translated from exc

    @contextmanager
    def atomic(self, *, bulk: bool = False) -> Iterator[Database]:
        """Run the block in one transaction; nested calls join the outer one."""
        cur = self.cursor()
        if self._local.depth:
            self._local.depth += 1
            try:
                yield self
            finally:
                self._local.depth -= 1
            return
        try:
            cur.execute("BEGIN TRANSACTION")
        except duckdb.Error as exc:
            raise _translate_duckdb(self.path, exc) from exc
        self._local.depth = 1
        try:
            yield self
        except BaseException:
            self._local.depth = 0
            with suppress(duckdb.Error):  # an aborted transaction may already be gone
                cur.execute("ROLLBACK")
            raise
        else:
            self._local.depth = 0
            try:
                cur.execute("COMMIT")
            except BaseException as exc:
                with suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                if isinstance(exc, duckdb.Error):
                    translated = _translate_duckdb(self.path, exc)
                    if translated is not exc:
                        raise translated from exc
                raise

    def load_arrow(self, table: str, data: Any) -> int:
        """Insert a pyarrow Table by scanning it in place (no copy through Python)."""
        cur = self.cursor()
        name = f"_eg_arrow_{threading.get_ident()}"
        cur.register(name, data)
        try:
            cols = ", ".join(data.column_names)
            return self.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {name}")
        finally:
            cur.unregister(name)

    def reserve_ids(self, sequence: str, n: int) -> int:
        """Take `n` consecutive values (one process owns a DuckDB file, so a lock suffices)."""
        with self._ids_lock:
            row = self.fetchone(
                f"SELECT min(v) FROM (SELECT nextval('{sequence}') AS v FROM range(?))", [int(n)]
            )
        return int(row[0]) if row and row[0] is not None else 0

    def set_sequence(self, sequence: str, next_value: int) -> None:
        """DuckDB has no setval: the sequence is recreated (no column defaults use it)."""
        self.execute(f"DROP SEQUENCE {sequence}")
        self.execute(f"CREATE SEQUENCE {sequence} START {int(next_value)}")

    def table_names(self) -> list[str]:
        """The store's base tables."""
        rows = self.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' AND table_catalog = current_database() ORDER BY 1"
        )
        return [r[0] for r in rows]

    def close(self) -> None:
        """Close the database (every thread's cursor goes with it)."""
        if not self._closed:
            self._closed = True
            self._con.close()


def _explain_open_error(path: Path, exc: Exception) -> str:
    """One line telling which process holds the file and what to do."""
    text = str(exc)
    match = _LOCK_RE.search(text)
    if match:
        return (
            f"the store {path} is in use by another process (PID {match.group('pid')}, "
            f"{match.group('exe')}); stop it (e.g. the running `evalguard serve`) or use the "
            f"REST API while it runs, or use PostgreSQL (--database-url) for several processes"
        )
    return f"cannot open {path}: {text.splitlines()[0]}"


def open_database(
    location: str | Path, *, read_only: bool = False, migrate: bool | None = None
) -> Database:
    """Open the store at a DuckDB path or a PostgreSQL URL.

    A DuckDB file is migrated on open (the zero-setup default). A PostgreSQL database is
    migrated only when `migrate` is True (`evalguard migrate`); otherwise its schema must
    already match this code, or StoreError says what to run.
    """
    if is_database_url(location):
        from evalguard_core.store.postgres import PostgresDatabase

        db: Database = PostgresDatabase(str(location))
        try:
            if migrate:
                db.migrate()
            else:
                db.check_schema()
        except BaseException:
            db.close()
            raise
        return db
    return DuckDatabase(location, read_only=read_only, migrate=migrate is not False)


@functools.lru_cache(maxsize=4096)
def to_pyformat(sql: str) -> str:
    """`?` → `%s`, `$name` → `%(name)s`, literal `%` → `%%`, outside string literals."""
    out = []
    for token in _TOKEN_RE.finditer(sql):
        text = token.group(0)
        if text.startswith("'") or text.startswith('"'):
            out.append(text.replace("%", "%%"))
        elif text == "?":
            out.append("%s")
        elif text == "%":
            out.append("%%")
        elif text.startswith("$"):
            out.append(f"%({text[1:]})s")
        else:
            out.append(text)
    return "".join(out)


_TOKEN_RE = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|%|\$[A-Za-z_]\w*|[^'\"?%$]+|\$")
