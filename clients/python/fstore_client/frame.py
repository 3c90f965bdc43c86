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

from typing import Optional

import numpy as np
import pandas as pd

from fstore.v1.value_pb2 import ValueType

from .record_batch import DecodedColumn

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


class ColumnCollector:
    """Gathers the batches of one column, then joins them once (freeing the parts as it goes)."""

    def __init__(self, name: str, value_type: int) -> None:
        self.name = name
        self.value_type = value_type
        self.parts: list[np.ndarray] = []
        self.null_parts: list[Optional[np.ndarray]] = []

    def add(self, column: DecodedColumn) -> None:
        self.parts.append(column.values)
        self.null_parts.append(column.nulls)

    def array(self) -> object:
        if not self.parts:
            return pd.array([], dtype=pandas_dtype(self.value_type))
        values = self.parts[0] if len(self.parts) == 1 else np.concatenate(self.parts)
        nulls: Optional[np.ndarray] = None
        if any(n is not None for n in self.null_parts):
            nulls = np.concatenate(
                [n if n is not None else np.zeros(len(p), np.bool_) for p, n in zip(self.parts, self.null_parts)]
            )
        self.parts.clear()
        self.null_parts.clear()
        return column_array(self.value_type, values, nulls)
