"""The PostgreSQL implementation of `Database`: psycopg 3 with a connection pool.

Outside `atomic()` every statement borrows a pooled connection in autocommit mode; inside it,
the thread keeps one connection for the whole transaction. Claims keep the optimistic lock on
`queue_items.version` (under READ COMMITTED a competing UPDATE waits, re-checks the version and
changes nothing), so serialization failures are rare; they, deadlocks and unique violations are
raised as `TransactionConflict`, which the domain code already retries.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import psycopg
import psycopg.errors
from psycopg.adapt import Loader
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import TransactionStatus
from psycopg.types.numeric import Int8Dumper
from psycopg_pool import ConnectionPool

from evalguard_core.db import POSTGRESQL, Database, Params, Sql, to_pyformat
from evalguard_core.errors import ConstraintViolation, StoreError, TransactionConflict

# Conflicts the caller resolves by reading again and retrying.
_CONFLICTS = (
    psycopg.errors.SerializationFailure,
    psycopg.errors.DeadlockDetected,
    psycopg.errors.UniqueViolation,
    psycopg.errors.LockNotAvailable,
)


def _conflict(exc: BaseException) -> TransactionConflict:
    """The product's conflict for a driver error (a broken uniqueness says so)."""
    first = str(exc).splitlines()[0]
    if isinstance(exc, psycopg.errors.UniqueViolation):
        return ConstraintViolation(first)
    return TransactionConflict(first)


POOL_MAX = 16


class _TextLoader(Loader):
    """json/jsonb columns come back as text, as DuckDB returns them to the store."""

    def load(self, data: Any) -> str:
        """Decode the server's text form."""
        return bytes(data).decode("utf-8")


def describe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(unparseable URL)"
    user = str(info.get("user", ""))
    host = str(info.get("host", "localhost"))
    port = str(info.get("port", "5432"))
    return f"postgresql://{user + '@' if user else ''}{host}:{port}/{info.get('dbname', '')}"


def connect_error(url: str, exc: Exception) -> str:
    """One line saying which server refused and why (never the password)."""
    text = str(exc).strip().splitlines()
    reason = text[-1] if text else type(exc).__name__
    for line in text:
        if "FATAL" in line or "failed" in line or "refused" in line or "timeout" in line:
            reason = line
            break
    reason = reason.replace("connection failed: ", "")
    return f"cannot connect to {describe_url(url)}: {reason.strip()}"


def _configure(conn: psycopg.Connection) -> None:
    """Session settings and type adapters every pooled connection gets."""
    conn.adapters.register_dumper(int, Int8Dumper)
    for name in ("json", "jsonb"):
        conn.adapters.register_loader(name, _TextLoader)
    conn.execute("SET TIME ZONE 'UTC'")


class PostgresDatabase(Database):
    """A PostgreSQL database reached through a connection pool."""

    dialect = POSTGRESQL

    def __init__(self, url: str, *, pool_max: int = POOL_MAX) -> None:
        self.url = url
        self.location = describe_url(url)
        try:
            # One direct connection first: a pool hides the cause of a failure behind a timeout.
            psycopg.connect(url, connect_timeout=10).close()
        except (psycopg.Error, ValueError) as exc:
            raise StoreError(connect_error(url, exc)) from None
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_max,
            kwargs={"autocommit": True},
            configure=_configure,
            open=True,
            name="evalguard",
        )
        self._local = threading.local()
        self._closed = False

    # -- connections -------------------------------------------------------------------------
    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """The thread's transaction connection, or a pooled one for one statement."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            yield conn
            return
        if self._closed:
            raise StoreError(f"the store {self.location} is closed")
        with self._pool.connection() as pooled:
            yield pooled

    def _run(self, sql: str, params: Params, *, want: str) -> Any:
        """Execute one statement, translating placeholders and errors."""
        text = to_pyformat(sql) if params is not None else sql
        pipeline = getattr(self._local, "pipeline", None)
        try:
            if want == "write" and pipeline is not None:
                # Queued: it travels with the next statement that needs a result, or the COMMIT.
                self._local.conn.execute(text, params)
                return None
            with self._connection() as conn, conn.cursor() as cur:
                cur.execute(text, params)  # type: ignore[arg-type]
                if pipeline is not None:
                    pipeline.sync()
                if want in ("raw", "write"):
                    return None
                if want == "count":
                    return cur.rowcount
                if want == "arrow":
                    return _to_arrow(cur)
                rows = cur.fetchall() if cur.description else []
                if want == "dicts":
                    cols = [d.name for d in cur.description or []]
                    return [dict(zip(cols, row, strict=True)) for row in rows]
                return rows
        except _CONFLICTS as exc:
            raise _conflict(exc) from exc
        except psycopg.errors.IntegrityError as exc:
            raise StoreError(f"{self.location}: {str(exc).splitlines()[0]}") from exc
        except psycopg.OperationalError as exc:
            raise StoreError(connect_error(self.url, exc)) from exc

    def write(self, sql: Sql, params: Params = None) -> None:
        """Queue a statement whose result nobody reads (sent at the next sync or COMMIT)."""
        self._run(self.sql(sql), params, want="write")

    @contextmanager
    def atomic(self, *, bulk: bool = False) -> Iterator[Database]:
        """One transaction on one connection; nested calls join the outer one.

        Unless `bulk`, the transaction runs in pipeline mode: BEGIN travels with the first
        statement that needs a result, and queued writes travel with the COMMIT, so a claim
        (CAS, claim row, event) costs two round trips instead of five.
        """
        if getattr(self._local, "conn", None) is not None:
            yield self
            return
        if self._closed:
            raise StoreError(f"the store {self.location} is closed")
        with self._pool.connection() as conn:
            self._local.conn = conn
            # BEGIN/COMMIT by hand: conn.transaction() nests pipelines, and each nested exit
            # waits for a server round trip.
            pipeline = None if bulk else conn.pipeline()
            try:
                if pipeline is not None:
                    self._local.pipeline = pipeline.__enter__()
                conn.execute("BEGIN")
                yield self
                conn.execute("COMMIT")
                if pipeline is not None:
                    self._local.pipeline, done, pipeline = None, pipeline, None
                    done.__exit__(None, None, None)  # sends the queued writes and the COMMIT
            except BaseException as exc:
                self._abort(conn, pipeline, exc)
                if isinstance(exc, _CONFLICTS):
                    raise _conflict(exc) from exc
                if isinstance(exc, psycopg.errors.IntegrityError):
                    raise StoreError(f"{self.location}: {str(exc).splitlines()[0]}") from exc
                raise
            finally:
                self._local.conn = None
                self._local.pipeline = None

    def _abort(self, conn: psycopg.Connection, pipeline: Any, exc: BaseException) -> None:
        """Leave pipeline mode and roll back after a failed transaction (best effort: the
        pool discards a connection it cannot reset)."""
        self._local.pipeline = None
        if pipeline is not None:
            with suppress(Exception):
                pipeline.__exit__(type(exc), exc, exc.__traceback__)
        if not conn.closed and conn.info.transaction_status != TransactionStatus.IDLE:
            with suppress(psycopg.Error):
                conn.execute("ROLLBACK")

    # -- bulk --------------------------------------------------------------------------------
    def load_arrow(self, table: str, data: Any) -> int:
        """COPY a pyarrow Table in as CSV (Arrow's C++ writer; no per-row Python)."""
        import pyarrow.csv as pacsv

        if data.num_rows == 0:
            return 0
        buf = io.BytesIO()
        pacsv.write_csv(
            data,
            buf,
            write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"),
        )
        cols = ", ".join(data.column_names)
        if getattr(self._local, "pipeline", None) is not None:
            raise RuntimeError("load_arrow inside a transaction needs atomic(bulk=True)")
        try:
            with self._connection() as conn, conn.cursor() as cur:
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                    view = buf.getbuffer()
                    for start in range(0, len(view), 1 << 20):
                        copy.write(view[start : start + (1 << 20)])
                    del view
                return int(data.num_rows)
        except _CONFLICTS as exc:
            raise _conflict(exc) from exc
        except psycopg.errors.IntegrityError as exc:
            raise StoreError(f"{self.location}: {str(exc).splitlines()[0]}") from exc

    def reserve_ids(self, sequence: str, n: int) -> int:
        """Take `n` consecutive values: an advisory lock serializes reservers across servers."""
        with self.atomic():
            self.execute("SELECT pg_advisory_xact_lock(hashtext(?))", [sequence])
            row = self.fetchone(
                f"SELECT setval('{sequence}', nextval('{sequence}') + ? - 1) - ? + 1",
                [int(n), int(n)],
            )
        return int(row[0]) if row else 0

    def set_sequence(self, sequence: str, next_value: int) -> None:
        """setval, so the next nextval returns `next_value`."""
        self.execute(f"SELECT setval('{sequence}', ?, false)", [int(next_value)])

    def table_names(self) -> list[str]:
        """The store's tables in the connection's schema."""
        rows = self.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        )
        return [str(r[0]) for r in rows]

    def close(self) -> None:
        """Close every pooled connection."""
        if not self._closed:
            self._closed = True
            self._pool.close()


_ARROW_TYPES = {
    "int8": "int64",
    "int4": "int32",
    "int2": "int16",
    "float8": "float64",
    "float4": "float32",
    "bool": "bool_",
    "numeric": "float64",
}


def _to_arrow(cur: psycopg.Cursor) -> Any:
    """A cursor's rows as a typed pyarrow Table (types from the result's column OIDs)."""
    import pyarrow as pa

    rows = cur.fetchall()
    names = [d.name for d in cur.description or []]
    fields = []
    for d in cur.description or []:
        info = psycopg.adapters.types.get(d.type_code)
        tname = info.name if info else "text"
        if tname in _ARROW_TYPES:
            fields.append(pa.field(d.name, getattr(pa, _ARROW_TYPES[tname])()))
        elif tname == "timestamptz":
            fields.append(pa.field(d.name, pa.timestamp("us", tz="UTC")))
        elif tname == "timestamp":
            fields.append(pa.field(d.name, pa.timestamp("us")))
        else:
            fields.append(pa.field(d.name, pa.string()))
    columns: list[Sequence[Any]] = [[] for _ in names]
    for row in rows:
        for i, value in enumerate(row):
            columns[i].append(value)  # type: ignore[attr-defined]
    schema = pa.schema(fields)
    arrays = []
    for i, field in enumerate(fields):
        values = columns[i]
        if pa.types.is_string(field.type):
            values = [None if v is None else str(v) for v in values]
        arrays.append(pa.array(values, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)
