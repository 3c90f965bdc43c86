"""Python values to and from ``fstore.v1.Value``.

Sending: ``int`` goes as INT64 (exact, range-checked), ``float`` as DOUBLE,
``bool`` as BOOL, ``str`` as STRING, ``bytes`` as BYTES, ``datetime`` as
UNIX_TIMESTAMP (seconds, UTC; naive means UTC), ``None``/``NA``/``NaN`` as an
explicit null, lists by their first non-null element. numpy scalars keep
their width (``np.int32`` goes as INT32, ``np.float32`` as FLOAT), and so do
pandas columns (``Int32``, ``float32``, ...).

Receiving: INT64 as ``int``, UNIX_TIMESTAMP as a UTC-aware ``datetime``,
lists as Python lists, null as ``None``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from fstore.v1 import value_pb2

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1

_UTC = dt.timezone.utc
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=_UTC)


def _is_null(x: Any) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    return isinstance(x, float) and math.isnan(x)


def _seconds(x: Any) -> int:
    """Unix seconds of a datetime-like (naive means UTC)."""
    if isinstance(x, np.datetime64):
        return int(x.astype("datetime64[s]").astype(np.int64))
    ts = pd.Timestamp(x)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return int(ts.value // 1_000_000_000)


def _int64(x: Any) -> int:
    n = int(x)
    if not INT64_MIN <= n <= INT64_MAX:
        raise ValueError(f"{n} does not fit in int64")
    return n


def to_value(x: Any) -> value_pb2.Value:
    """One Python value as a Value message (see the module's rules)."""
    if isinstance(x, value_pb2.Value):
        return x
    if _is_null(x):
        return value_pb2.Value(null_val=value_pb2.NULL_UNSPECIFIED)
    if isinstance(x, (bool, np.bool_)):
        return value_pb2.Value(bool_val=bool(x))
    if isinstance(x, (np.int8, np.int16, np.int32, np.uint8, np.uint16)):
        return value_pb2.Value(int32_val=int(x))
    if isinstance(x, (int, np.integer)):
        return value_pb2.Value(int64_val=_int64(x))
    if isinstance(x, np.float32):
        return value_pb2.Value(float_val=float(x))
    if isinstance(x, (float, np.floating)):
        return value_pb2.Value(double_val=float(x))
    if isinstance(x, str):
        return value_pb2.Value(string_val=x)
    if isinstance(x, (bytes, bytearray, memoryview)):
        return value_pb2.Value(bytes_val=bytes(x))
    if isinstance(x, (dt.datetime, np.datetime64, pd.Timestamp)):
        return value_pb2.Value(unix_timestamp_val=_seconds(x))
    if isinstance(x, (list, tuple, np.ndarray)):
        return _list_value(list(x))
    raise TypeError(f"cannot send a value of type {type(x).__name__}: {x!r}")


def _list_value(items: list) -> value_pb2.Value:
    first = next((i for i in items if not _is_null(i)), None)
    if first is None:
        # An empty list has no element to type it; INT64_LIST is as good as any.
        return value_pb2.Value(int64_list_val=value_pb2.Int64List(val=[]))
    if any(_is_null(i) for i in items):
        raise ValueError("a list value cannot hold nulls")
    if isinstance(first, (bool, np.bool_)):
        return value_pb2.Value(bool_list_val=value_pb2.BoolList(val=[bool(i) for i in items]))
    if isinstance(first, (np.int8, np.int16, np.int32)):
        return value_pb2.Value(int32_list_val=value_pb2.Int32List(val=[int(i) for i in items]))
    if isinstance(first, (int, np.integer)):
        return value_pb2.Value(int64_list_val=value_pb2.Int64List(val=[_int64(i) for i in items]))
    if isinstance(first, np.float32):
        return value_pb2.Value(float_list_val=value_pb2.FloatList(val=[float(i) for i in items]))
    if isinstance(first, (float, np.floating)):
        return value_pb2.Value(double_list_val=value_pb2.DoubleList(val=[float(i) for i in items]))
    if isinstance(first, str):
        return value_pb2.Value(string_list_val=value_pb2.StringList(val=items))
    if isinstance(first, (bytes, bytearray)):
        return value_pb2.Value(bytes_list_val=value_pb2.BytesList(val=[bytes(i) for i in items]))
    if isinstance(first, (dt.datetime, np.datetime64, pd.Timestamp)):
        return value_pb2.Value(
            unix_timestamp_list_val=value_pb2.Int64List(val=[_seconds(i) for i in items])
        )
    raise TypeError(f"cannot send a list of {type(first).__name__}")


_COLUMN_KIND = {
    "int8": "int32_val",
    "int16": "int32_val",
    "int32": "int32_val",
    "uint8": "int32_val",
    "uint16": "int32_val",
    "int64": "int64_val",
    "uint32": "int64_val",
    "float32": "float_val",
    "float64": "double_val",
    "bool": "bool_val",
}


def to_repeated_value(column: Any) -> value_pb2.RepeatedValue:
    """A column (pandas Series, numpy array or sequence) as a RepeatedValue, typed by its dtype."""
    series = column if isinstance(column, pd.Series) else None
    if series is None and isinstance(column, np.ndarray):
        series = pd.Series(column)
    if series is not None:
        dtype = series.dtype
        if pd.api.types.is_datetime64_any_dtype(dtype):
            secs = _datetime_seconds(series)
            null = series.isna().to_numpy()
            pairs = zip(secs.tolist(), null.tolist())
            return value_pb2.RepeatedValue(
                val=[_null() if n else value_pb2.Value(unix_timestamp_val=s) for s, n in pairs]
            )
        # Nullable pandas dtypes (Int64, boolean, Float32...) name their numpy dtype.
        kind = _COLUMN_KIND.get(getattr(getattr(dtype, "numpy_dtype", dtype), "name", ""))
        if kind is not None:
            null = series.isna().to_numpy()
            data = series.to_numpy(dtype=object, na_value=None).tolist()
            pairs = zip(data, null.tolist())
            return value_pb2.RepeatedValue(
                val=[_null() if n else value_pb2.Value(**{kind: _cast(kind, v)}) for v, n in pairs]
            )
        column = series.tolist()
    return value_pb2.RepeatedValue(val=[to_value(x) for x in column])


def _null() -> value_pb2.Value:
    return value_pb2.Value(null_val=value_pb2.NULL_UNSPECIFIED)


def _cast(kind: str, v: Any) -> Any:
    if kind == "int64_val":
        return _int64(v)
    if kind == "int32_val":
        return int(v)
    if kind == "bool_val":
        return bool(v)
    return float(v)


def _datetime_seconds(series: pd.Series) -> np.ndarray:
    s = series
    if getattr(s.dt, "tz", None) is None:
        s = s.dt.tz_localize("UTC")
    ns = s.dt.tz_convert("UTC").to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return ns // 1_000_000_000


def to_columns(columns: Mapping[str, Any]) -> dict[str, value_pb2.RepeatedValue]:
    """Column name -> values, as the proto's ``map<string, RepeatedValue>``."""
    return {name: to_repeated_value(values) for name, values in columns.items()}


def rows_to_columns(rows: Sequence[Mapping[str, Any]]) -> dict[str, list]:
    """Feast's ``entity_rows=[{...}, ...]`` as columns; every row must have the same keys."""
    if not rows:
        return {}
    names = list(rows[0].keys())
    for i, row in enumerate(rows):
        if set(row.keys()) != set(names):
            raise ValueError(f"entity_rows[{i}] has keys {sorted(row)}, expected {sorted(names)}")
    return {name: [row[name] for row in rows] for name in names}


def from_value(v: value_pb2.Value | None) -> Any:
    """A Value as a Python value (None for null or unset)."""
    if v is None:
        return None
    case = v.WhichOneof("val")
    if case is None or case == "null_val":
        return None
    if case == "unix_timestamp_val":
        return _EPOCH + dt.timedelta(seconds=v.unix_timestamp_val)
    if case == "unix_timestamp_list_val":
        return [_EPOCH + dt.timedelta(seconds=s) for s in v.unix_timestamp_list_val.val]
    x = getattr(v, case)
    if case.endswith("_list_val"):
        return list(x.val)
    return x


def timestamp_to_datetime(seconds: int, nanos: int) -> dt.datetime:
    """A google.protobuf.Timestamp's fields as a UTC-aware datetime (microsecond precision)."""
    return _EPOCH + dt.timedelta(seconds=seconds, microseconds=nanos // 1000)


def iter_values(values: Iterable[value_pb2.Value]) -> list:
    """Python values of a repeated Value field."""
    return [from_value(v) for v in values]
