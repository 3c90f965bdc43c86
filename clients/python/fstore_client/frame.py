"""Typed columns to pandas: one dtype per fstore value type, nulls as NA.

| value type | pandas dtype |
|---|---|
| INT64 / INT32 | nullable ``Int64`` / ``Int32`` (exact; ``<NA>`` for null) |
| DOUBLE / FLOAT | ``float64`` / ``float32`` (``NaN`` for null) |
| STRING | ``string`` (``<NA>``) |
| BOOL | nullable ``boolean`` (``<NA>``) |
| UNIX_TIMESTAMP, ``event_timestamp`` | ``datetime64[ns, UTC]`` (``NaT``) |
| BYTES, lists | ``object`` (``bytes`` / Python lists; ``<NA>``) |
"""

from __future__ import annotations

import ctypes
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from fstore.v1.value_pb2 import ValueType

from .record_batch import batch_spans, decode_column

_NAT = np.iinfo(np.int64).min
_UTC = pd.DatetimeTZDtype(unit="ns", tz="UTC")

_EMPTY_DTYPES = {
    ValueType.VALUE_TYPE_INT64: "Int64",
    ValueType.VALUE_TYPE_INT32: "Int32",
    ValueType.VALUE_TYPE_DOUBLE: "float64",
    ValueType.VALUE_TYPE_FLOAT: "float32",
    ValueType.VALUE_TYPE_STRING: "string",
    ValueType.VALUE_TYPE_BOOL: "boolean",
    ValueType.VALUE_TYPE_UNIX_TIMESTAMP: _UTC,
}


def pandas_dtype(value_type: int) -> object:
    """The pandas dtype a column of this value type gets."""
    return _EMPTY_DTYPES.get(value_type, "object")


def column_array(value_type: int, values: np.ndarray, nulls: Optional[np.ndarray]) -> object:
    """A pandas array over ``values`` (reused, not copied, where the dtype allows)."""
    mask = nulls if nulls is not None else np.zeros(len(values), dtype=np.bool_)
    if value_type in (ValueType.VALUE_TYPE_INT64, ValueType.VALUE_TYPE_INT32):
        return pd.arrays.IntegerArray(values, mask, copy=False)
    if value_type in (ValueType.VALUE_TYPE_DOUBLE, ValueType.VALUE_TYPE_FLOAT):
        if nulls is not None:
            values[nulls] = np.nan
        return values
    if value_type == ValueType.VALUE_TYPE_BOOL:
        return pd.arrays.BooleanArray(values.astype(np.bool_, copy=False), mask, copy=False)
    if value_type == ValueType.VALUE_TYPE_UNIX_TIMESTAMP:
        # Microseconds to nanoseconds in place; a null becomes NaT.
        values *= 1000
        if nulls is not None:
            values[nulls] = _NAT
        return pd.arrays.DatetimeArray(values.view("M8[ns]"), dtype=_UTC, copy=False)
    if value_type == ValueType.VALUE_TYPE_STRING:
        if nulls is not None:
            values[nulls] = pd.NA
        return pd.arrays.StringArray(values)
    if nulls is not None:
        values[nulls] = pd.NA
    return values


_STORAGE = {
    ValueType.VALUE_TYPE_INT64: np.int64,
    ValueType.VALUE_TYPE_INT32: np.int32,
    ValueType.VALUE_TYPE_DOUBLE: np.float64,
    ValueType.VALUE_TYPE_FLOAT: np.float32,
    ValueType.VALUE_TYPE_BOOL: np.bool_,
    ValueType.VALUE_TYPE_UNIX_TIMESTAMP: np.int64,
}


_TRIM_EVERY = 16 * 1024 * 1024


def _load_malloc_trim() -> Optional[Callable[[int], int]]:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _load_malloc_trim()


def _return_free_memory() -> None:
    """Hands freed heap memory back to the OS (glibc): the received messages are freed as the
    columns fill, but glibc keeps their pages, so without this the process would hold both the
    messages and the DataFrame at its peak."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


class TableBuilder:
    """Gathers a training set's batches as received, then decodes them into one array per column.

    The batches stay in their wire form until the end (the most compact one: varints, packed
    values); then each column is allocated once at its final length and every batch is decoded
    into its slice and released. No per-batch arrays are joined, so the peak memory is about the
    DataFrame plus what is still undecoded, not twice the DataFrame.
    """

    def __init__(self) -> None:
        self.columns: Dict[str, int] = {}
        self._batches: List[Tuple[bytes, int, List[Tuple[int, int]]]] = []
        self.rows = 0

    def add_schema(self, fields: List[Tuple[str, int]]) -> None:
        for name, value_type in fields:
            self.columns.setdefault(name, value_type)

    def add_batch(self, message: bytes, start: int, end: int) -> None:
        num_rows, spans = batch_spans(message, start, end)
        self._batches.append((message, num_rows, spans))
        self.rows += num_rows

    def arrays(self) -> Dict[str, object]:
        """The columns as pandas arrays, in schema order (the batches are consumed)."""
        n = self.rows
        values: Dict[str, np.ndarray] = {}
        nulls: Dict[str, Optional[np.ndarray]] = {}
        for name, value_type in self.columns.items():
            values[name] = np.empty(n, dtype=_STORAGE.get(value_type, object))
            nulls[name] = None
        offset = 0
        released = 0
        batches = self._batches
        for i in range(len(batches)):
            message, num_rows, spans = batches[i]
            batches[i] = (b"", 0, [])
            released += len(message)
            if released >= _TRIM_EVERY:
                released = 0
                _return_free_memory()
            for s, e in spans:
                column = decode_column(message, s, e, num_rows)
                if column.name not in values:
                    raise ValueError(f"record batch: column {column.name!r} is not in the schema")
                values[column.name][offset : offset + num_rows] = column.values
                if column.nulls is not None:
                    mask = nulls[column.name]
                    if mask is None:
                        mask = nulls[column.name] = np.zeros(n, dtype=np.bool_)
                    mask[offset : offset + num_rows] = column.nulls
            offset += num_rows
        batches.clear()
        return {
            name: column_array(value_type, values.pop(name), nulls.pop(name))
            for name, value_type in self.columns.items()
        }
