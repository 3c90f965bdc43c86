"""The numpy entity-row encoder against messages built value by value with protobuf."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from fstore.v1 import feature_service_pb2 as fs
from fstore.v1 import value_pb2
from fstore_client.entity_encoding import entity_rows_bytes

MAX, MIN = 2**63 - 1, -(2**63)


def _value(kind: str, x) -> value_pb2.Value:
    if x is None:
        return value_pb2.Value(null_val=value_pb2.NULL_UNSPECIFIED)
    return value_pb2.Value(**{kind: x})


def _oracle(columns: dict, times: list) -> fs.EntityRows:
    """The EntityRows protobuf builds from hand-typed (kind, values) columns and UTC datetimes."""
    rows = fs.EntityRows()
    for name, (kind, values) in columns.items():
        rows.columns[name].val.extend(_value(kind, x) for x in values)
    for t in times:
        stamp = Timestamp()
        stamp.FromDatetime(t)
        rows.event_timestamps.append(stamp)
    return rows


def test_every_fast_column_kind_encodes_as_protobuf_would() -> None:
    times = [
        dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
        dt.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=dt.timezone.utc),
        dt.datetime(2262, 4, 11, tzinfo=dt.timezone.utc),
    ]
    long_text = "é" * 200  # a length needing a 2-byte varint
    df = pd.DataFrame(
        {
            "i64": np.array([MAX, MIN, 0], dtype=np.int64),
            "i32": np.array([-(2**31), 2**31 - 1, -1], dtype=np.int32),
            "i8": np.array([-128, 127, 0], dtype=np.int8),
            "u64": np.array([MAX, 0, 1], dtype=np.uint64),
            "nullable": pd.array([1, 2, 3], dtype="Int64"),
            "f64": [1e300, -0.0, 0.1],
            "f32": np.array([1.5, -2.5, 0.0], dtype=np.float32),
            "ok": [True, False, True],
            "nok": pd.array([True, False, False], dtype="boolean"),
            "s": ["a", "", long_text],
            "with_null": [1, None, 3],
            "ts": [t.replace(tzinfo=None) for t in times],  # naive: UTC
        }
    )
    expected = _oracle(
        {
            "i64": ("int64_val", [MAX, MIN, 0]),
            "i32": ("int32_val", [-(2**31), 2**31 - 1, -1]),
            "i8": ("int32_val", [-128, 127, 0]),
            "u64": ("int64_val", [MAX, 0, 1]),
            "nullable": ("int64_val", [1, 2, 3]),
            "f64": ("double_val", [1e300, -0.0, 0.1]),
            "f32": ("float_val", [1.5, -2.5, 0.0]),
            "ok": ("bool_val", [True, False, True]),
            "nok": ("bool_val", [True, False, False]),
            "s": ("string_val", ["a", "", long_text]),
            # NaN-for-None makes it float64: a null, then doubles.
            "with_null": ("double_val", [1.0, None, 3.0]),
        },
        times,
    )
    got = fs.EntityRows.FromString(entity_rows_bytes(df, "ts"))
    assert got == expected


def test_large_columns_cross_chunks() -> None:
    n = 600_000  # more than one 2^18-row chunk
    ids = np.arange(n, dtype=np.int64) * 7919 - 10**12
    times = pd.date_range("2020-01-01", periods=n, freq="s", tz="UTC")
    got = fs.EntityRows.FromString(entity_rows_bytes(pd.DataFrame({"id": ids, "t": times}), "t"))
    assert [v.int64_val for v in got.columns["id"].val] == ids.tolist()
    assert got.event_timestamps[-1].seconds == int(times[-1].timestamp())


def test_uint64_beyond_int64_is_refused() -> None:
    df = pd.DataFrame({"u": np.array([2**63], dtype=np.uint64), "t": [pd.Timestamp("2026-01-01")]})
    with pytest.raises(ValueError, match="int64"):
        entity_rows_bytes(df, "t")


def test_null_times_are_refused() -> None:
    df = pd.DataFrame({"id": [1, 2], "t": [pd.Timestamp("2026-01-01"), pd.NaT]})
    with pytest.raises(ValueError, match="every entity row needs a time"):
        entity_rows_bytes(df, "t")
