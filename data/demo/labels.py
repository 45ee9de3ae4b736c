"""Arrow columns built from NumPy arrays without a Python loop per row."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def labels(codes: np.ndarray, values) -> pa.DictionaryArray:
    """Strings as dictionary codes (cheap for millions of rows); code -1 = null."""
    codes = np.asarray(codes)
    return pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int32), mask=codes < 0), pa.array(list(values), pa.string())
    )


def refer(rows: np.ndarray, values: pa.Array) -> pa.DictionaryArray:
    """Rows of ``values`` by position (-1 = null) without copying the strings: DuckDB keeps
    scanned Arrow strings alive until the transaction commits, so copies would pile up."""
    rows = np.asarray(rows)
    return pa.DictionaryArray.from_arrays(pa.array(rows.astype(np.int32), mask=rows < 0), values)


def repeat(value: str, n: int) -> pa.DictionaryArray:
    return labels(np.zeros(n, np.int32), [value])


def timestamps(utc_s: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """UTC epoch seconds as TIMESTAMPTZ values; rows not ``present`` are null."""
    mask = None if present is None else ~present
    return pa.array(np.asarray(utc_s, np.int64) * 1_000_000, type=pa.timestamp("us", tz="UTC"), mask=mask)
