"""Bootstrap machinery: replicates as counts per unit type, incidence tables."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from evalguard_core.alignment.common import _CHUNK_ELEMENTS, FloatArray, IntArray, Kernel


def _row_types(keys: FloatArray) -> tuple[IntArray, IntArray, IntArray]:
    """Group identical rows: (type of each row, first row of each type, rows per type)."""
    n, d = keys.shape
    col_codes = []
    radix = 1
    for j in range(d):
        col = keys[:, j]
        lo, hi = (float(col.min()), float(col.max())) if n else (0.0, 0.0)
        if hi - lo < 1_000_000 and np.array_equal(col, np.round(col)):
            # Label codes (-1 = missing) and strata: already small integers, no sort needed.
            inv, size = (col - lo).astype(np.int64), int(hi - lo) + 1
        else:
            _, inv = np.unique(col, return_inverse=True)
            size = int(inv.max()) + 1 if n else 1
        col_codes.append((inv.reshape(-1).astype(np.int64), size))
        radix *= size
    if radix < 2**62:
        # One integer per row sorts far faster than np.unique(axis=0) on a float matrix.
        scalar = np.zeros(n, dtype=np.int64)
        for codes, size in col_codes:
            scalar = scalar * size + codes
        _, first, inverse, counts = np.unique(
            scalar, return_index=True, return_inverse=True, return_counts=True
        )
    else:
        stacked = np.column_stack([c for c, _ in col_codes])
        _, first, inverse, counts = np.unique(
            stacked, axis=0, return_index=True, return_inverse=True, return_counts=True
        )
    return inverse.reshape(-1).astype(np.int64), first.astype(np.int64), counts.astype(np.int64)


# Groups in the (grouped) jackknife that gives BCa its acceleration: exact below this many units.
JACKKNIFE_GROUPS = 100


@dataclass
class Draws:
    """One statistic's bootstrap replicates and its leave-one-group-out jackknife values."""

    reps: FloatArray
    jack: FloatArray | None = None


class _Resampler:
    """Bootstrap replicates as counts per unit type; resampling within strata when given."""

    def __init__(
        self,
        keys: FloatArray,
        n_boot: int,
        rng: np.random.Generator,
        strata: IntArray | None = None,
    ) -> None:
        n = keys.shape[0]
        strata_arr = np.zeros(n, dtype=np.int64) if strata is None else strata
        full = np.column_stack([strata_arr.astype(np.float64), keys.reshape(n, -1)])
        self.unit_type, first, counts = _row_types(full)
        self.n_types = len(first)
        self.type_n = counts.astype(np.float64)
        self.n_boot = n_boot
        self.rng = rng
        type_stratum = strata_arr[first]
        self.groups: list[tuple[IntArray, int, IntArray]] = []
        for h in np.unique(type_stratum):
            tg = np.flatnonzero(type_stratum == h)
            local = np.full(self.n_types, -1, dtype=np.int64)
            local[tg] = np.arange(len(tg))
            unit_local = local[self.unit_type[strata_arr == h]]
            self.groups.append((tg, len(unit_local), unit_local))

    def full(self) -> FloatArray:
        """The observed sample as a single 'replicate' of type counts."""
        return self.type_n[None, :]

    def _draw(self, b: int) -> FloatArray:
        # Fortran order: column gathers and sparse products over types read contiguous memory.
        counts = np.zeros((b, self.n_types), order="F")
        for tg, n_h, unit_local in self.groups:
            if len(tg) == 1:
                counts[:, tg[0]] = n_h
            elif 2 * len(tg) <= n_h:
                counts[:, tg] = self.rng.multinomial(n_h, self.type_n[tg] / n_h, size=b)
            else:
                # Nearly every unit is its own type: drawing indices is cheaper than a
                # multinomial with as many categories as units.
                idx = self.rng.integers(0, n_h, size=(b, n_h))
                flat = unit_local[idx] + (np.arange(b, dtype=np.int64) * len(tg))[:, None]
                counts[:, tg] = np.bincount(flat.ravel(), minlength=b * len(tg)).reshape(b, len(tg))
        return counts

    def chunks(self) -> Iterator[FloatArray]:
        """Replicates in blocks of (b, types) counts, memory-bounded."""
        width = max([self.n_types] + [n_h for tg, n_h, _ in self.groups if 2 * len(tg) > n_h])
        step = max(1, min(self.n_boot, _CHUNK_ELEMENTS // max(width, 1)))
        done = 0
        while done < self.n_boot:
            b = min(step, self.n_boot - done)
            yield self._draw(b)
            done += b

    def jackknife_counts(self) -> Iterator[FloatArray]:
        """Leave-one-group-out samples as (groups, types) counts, memory-bounded.

        Units are dealt into at most JACKKNIFE_GROUPS groups (one unit per group on small
        samples: the exact jackknife); BCa only needs the acceleration from them.
        """
        n = len(self.unit_type)
        g = min(n, JACKKNIFE_GROUPS)
        if g < 2:
            return
        group = np.arange(n, dtype=np.int64) % g
        step = max(1, _CHUNK_ELEMENTS // max(self.n_types, 1))
        for start in range(0, g, step):
            stop = min(g, start + step)
            sel = (group >= start) & (group < stop)
            flat = (group[sel] - start) * self.n_types + self.unit_type[sel]
            removed = np.bincount(flat, minlength=(stop - start) * self.n_types)
            yield np.asfortranarray(self.type_n[None, :] - removed.reshape(stop - start, -1))

    def run(self, kernels: Sequence[Kernel]) -> list[dict[str, Draws]]:
        """Evaluate every kernel on the same replicates (and the jackknife samples for BCa)."""
        parts: list[dict[str, list[FloatArray]]] = [{} for _ in kernels]
        for counts in self.chunks():
            for store, kernel in zip(parts, kernels, strict=True):
                for name, arr in kernel(counts).items():
                    store.setdefault(name, []).append(np.asarray(arr, dtype=np.float64))
        jacks: list[dict[str, list[FloatArray]]] = [{} for _ in kernels]
        if self.n_boot:
            for counts in self.jackknife_counts():
                for store, kernel in zip(jacks, kernels, strict=True):
                    for name, arr in kernel(counts).items():
                        store.setdefault(name, []).append(np.asarray(arr, dtype=np.float64))
        out: list[dict[str, Draws]] = []
        for store, jack in zip(parts, jacks, strict=True):
            out.append(
                {
                    k: Draws(np.concatenate(v), np.concatenate(jack[k]) if k in jack else None)
                    for k, v in store.items()
                }
            )
        return out


@dataclass
class _Table:
    """(types x cells) incidence: what one unit of each type adds to each cell.

    Stored as dense rows for the types that contribute (a rater pair may share a few dozen of
    many items, so most types add nothing), or sparse when even that would be large.
    """

    rows: IntArray
    dense: FloatArray | None
    sp: sparse.csr_matrix | None


def _incidence(
    rs: _Resampler,
    obs_unit: IntArray,
    obs_cell: IntArray,
    n_cells: int,
    weights: FloatArray | None = None,
) -> _Table:
    """Incidence table of observations (unit, cell[, weight]) over the resampler's unit types."""
    t = rs.unit_type[obs_unit]
    w = (np.ones(len(t)) if weights is None else weights) / rs.type_n[t]
    rows, local = np.unique(t, return_inverse=True)
    if len(rows) * n_cells <= _CHUNK_ELEMENTS:
        flat = local.reshape(-1) * n_cells + obs_cell
        dense = np.bincount(flat, weights=w, minlength=len(rows) * n_cells)
        return _Table(rows, dense.reshape(len(rows), n_cells).astype(np.float64), None)
    return _Table(rows, None, sparse.csr_matrix((w, (t, obs_cell)), shape=(rs.n_types, n_cells)))


def _apply(table: _Table, counts: FloatArray) -> FloatArray:
    """Cell totals per replicate: counts (b, types) times the incidence table."""
    if table.sp is not None:
        # counts are Fortran-ordered, so counts.T is contiguous and scipy does not copy it.
        return np.asarray(table.sp.T @ counts.T).T
    assert table.dense is not None
    if len(table.rows) == counts.shape[1]:
        return counts @ table.dense
    return counts[:, table.rows] @ table.dense


def _incidence_rows(rs: _Resampler, units: IntArray, feats: FloatArray) -> _Table:
    """(types x features) table from per-unit feature rows (units share features by type)."""
    t = rs.unit_type[units]
    rows, local = np.unique(t, return_inverse=True)
    table = np.zeros((len(rows), feats.shape[1]))
    np.add.at(table, local.reshape(-1), feats / rs.type_n[t][:, None])
    return _Table(rows, table, None)
