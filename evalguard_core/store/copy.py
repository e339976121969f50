"""Copy a whole store to another backend (DuckDB file ↔ PostgreSQL), verified table by table.

Every table is read as Arrow, bulk-loaded into the target in one transaction, then compared:
row count and a content checksum (md5 of the table's rows in a canonical form: sorted, ids and
JSON as text, timestamps as UTC microseconds) computed on both sides the same way. Any
difference, or any error, rolls the target back, so a failed copy leaves it empty.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from evalguard_core.errors import StoreError, ValidationError
from evalguard_core.store import DEFAULT_ORG_ID, Store

# Sequences and the column whose maximum they must pass after a copy.
SEQUENCES = {
    "trace_id_seq": ("cases", "trace_id"),
    "queue_item_id_seq": ("queue_items", "item_id"),
    "event_id_seq": ("events", "event_id"),
}


# Tables other tables reference (PostgreSQL declares the keys): copied first, in this order.
_PARENTS = ("organizations", "queues", "queue_items", "tasks")


@dataclass(frozen=True)
class TableCopy:
    """What one table's copy found on each side."""

    table: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def ok(self) -> bool:
        """Counts and checksums agree."""
        return (self.source_rows, self.source_checksum) == (self.target_rows, self.target_checksum)


def _canonical(data: Any) -> Any:
    """The table in a form both backends produce alike: sorted, plain types, UTC micros."""
    import pyarrow as pa

    columns = []
    for name in sorted(data.column_names):
        col = data.column(name)
        t = col.type
        if pa.types.is_timestamp(t):
            col = col.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
        elif pa.types.is_integer(t):
            col = col.cast(pa.int64())
        elif pa.types.is_floating(t):
            col = col.cast(pa.float64())
        elif pa.types.is_boolean(t):
            col = col.cast(pa.int64())
        elif not pa.types.is_string(t):
            col = col.cast(pa.string())
        columns.append((name, col))
    table = pa.table(dict(columns))
    if table.num_rows:
        table = table.sort_by([(n, "ascending") for n in table.column_names])
    return table


def checksum(data: Any) -> str:
    """md5 of a table's canonical CSV form."""
    import io

    import pyarrow.csv as pacsv

    buf = io.BytesIO()
    pacsv.write_csv(_canonical(data), buf)
    return hashlib.md5(buf.getvalue(), usedforsecurity=False).hexdigest()


def _read(store: Store, table: str) -> Any:
    """A whole table as Arrow."""
    return store.db.fetch_arrow(f"SELECT * FROM {table}")


def _target_is_empty(target: Store, tables: list[str]) -> bool:
    """Only the schema and the default organization are there."""
    for table in tables:
        row = target.db.fetchone(f"SELECT count(*) FROM {table}")
        n = int(row[0]) if row else 0
        if table == "organizations":
            seeded = target.db.fetchone(
                "SELECT count(*) FROM organizations WHERE CAST(org_id AS VARCHAR) = ?",
                [DEFAULT_ORG_ID],
            )
            n -= int(seeded[0]) if seeded else 0
        if n:
            return False
    return True


def copy_store(source: Store, target: Store) -> list[TableCopy]:
    """Copy every table of `source` into the empty, migrated `target`; verified or rolled back."""
    if source.db.schema_version() != target.db.schema_version():
        raise StoreError(
            f"{source.location} is at schema version {source.db.schema_version()} but "
            f"{target.location} at {target.db.schema_version()}; migrate both first"
        )
    tables = sorted(
        (t for t in source.db.table_names() if t != "schema_version"),
        key=lambda t: (_PARENTS.index(t) if t in _PARENTS else len(_PARENTS), t),
    )
    missing = sorted(set(tables) - set(target.db.table_names()))
    if missing:
        raise StoreError(f"{target.location} has no table(s) {', '.join(missing)}")
    if not _target_is_empty(target, tables):
        raise ValidationError(
            f"{target.location} already holds data; copy only into an empty store",
            details={"field": "to"},
        )
    results: list[TableCopy] = []
    with target.db.atomic(bulk=True):
        target.db.execute("DELETE FROM organizations")
        for table in tables:
            data = _read(source, table)
            target.db.load_arrow(table, data)
            copied = _read(target, table)
            results.append(
                TableCopy(
                    table=table,
                    source_rows=data.num_rows,
                    target_rows=copied.num_rows,
                    source_checksum=checksum(data),
                    target_checksum=checksum(copied),
                )
            )
        for sequence, (table, column) in SEQUENCES.items():
            row = target.db.fetchone(f"SELECT max({column}) FROM {table}")
            target.db.set_sequence(sequence, int(row[0] or 0) + 1 if row else 1)
        bad = [r.table for r in results if not r.ok]
        if bad:
            raise StoreError(
                f"copy verification failed for {', '.join(bad)}; {target.location} was left empty"
            )
    return results
