"""Decodes ``fstore.v1.RecordBatch`` bytes straight into numpy arrays.

A generic protobuf parse makes a Python object per cell; here the per-column
structure is walked in Python (a few fields per column), and the values are
read as numpy views of the message bytes: doubles and floats are the packed
bytes themselves, bools and the null mask one byte per row, and varints
(int64, int32, timestamp microseconds) are decoded for a whole column at once
with numpy (``np.add.reduceat`` over each value's 7-bit groups). Strings and
bytes go through protobuf's C++ parser into an object array. Only list
columns make Python objects row by row (each row is a Python list anyway).
Packed and unpacked repeated fields are both accepted, as protobuf requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from fstore.v1 import value_pb2

from .values import from_value

_VARINT, _FIXED64, _LEN, _FIXED32 = 0, 1, 2, 5


@dataclass
class DecodedColumn:
    """One column of a batch: values (placeholders at null rows) and the null mask (or None)."""

    name: str
    value_type: int
    #: int64 (INT64, UNIX_TIMESTAMP microseconds), int32, float64, float32, bool, or object.
    values: np.ndarray
    nulls: Optional[np.ndarray]


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("record batch: truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise ValueError("record batch: varint too long")


def _skip(buf: bytes, pos: int, wire: int) -> int:
    if wire == _VARINT:
        return _varint(buf, pos)[1]
    if wire == _FIXED64:
        return pos + 8
    if wire == _LEN:
        n, pos = _varint(buf, pos)
        return pos + n
    if wire == _FIXED32:
        return pos + 4
    raise ValueError(f"record batch: unsupported wire type {wire}")


def decode_varints(data: np.ndarray) -> np.ndarray:
    """Packed varints (uint8 array) as uint64, vectorized: one pass per numpy step, not per value."""
    if data.size == 0:
        return np.zeros(0, dtype=np.uint64)
    last = data < 0x80
    if not last[-1]:
        raise ValueError("record batch: truncated varint")
    ends = np.flatnonzero(last)
    if ends.size == data.size:
        return data.astype(np.uint64)
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts + 1
    if lengths.max() > 10:
        raise ValueError("record batch: varint too long")
    # Each byte's position inside its varint, then its 7 bits shifted there; the groups do not
    # overlap, so a sum per varint is their OR (bits past 64 wrap away, as int64 truncation wants).
    position = np.arange(data.size, dtype=np.int64) - np.repeat(starts, lengths)
    groups = (data & 0x7F).astype(np.uint64) << (position.astype(np.uint64) * np.uint64(7))
    return np.add.reduceat(groups, starts)


def _bytes_of(buf: bytes, start: int, end: int) -> np.ndarray:
    return np.frombuffer(buf, dtype=np.uint8, count=end - start, offset=start)


def _packed_chunks(buf: bytes, start: int, end: int) -> Optional[list[tuple[int, int]]]:
    """The spans of field 1's packed chunks in a list message, or None if an element is unpacked."""
    chunks = []
    pos = start
    while pos < end:
        tag, pos = _varint(buf, pos)
        if tag >> 3 == 1 and tag & 7 == _LEN:
            n, pos = _varint(buf, pos)
            chunks.append((pos, pos + n))
            pos += n
        elif tag >> 3 == 1:
            return None
        else:
            pos = _skip(buf, pos, tag & 7)
    return chunks


def _joined(buf: bytes, chunks: list[tuple[int, int]]) -> np.ndarray:
    if len(chunks) == 1:
        return _bytes_of(buf, *chunks[0])
    return np.concatenate([_bytes_of(buf, s, e) for s, e in chunks]) if chunks else np.zeros(0, np.uint8)


_LIST_MESSAGES = {
    4: value_pb2.BytesList,
    5: value_pb2.StringList,
    6: value_pb2.Int32List,
    7: value_pb2.Int64List,
    8: value_pb2.DoubleList,
    9: value_pb2.FloatList,
    10: value_pb2.BoolList,
    11: value_pb2.Int64List,
}


def _typed_values(field: int, buf: bytes, start: int, end: int) -> np.ndarray:
    """The values of a Column's typed list (field 4..12), as an owned numpy array."""
    if field == 12:
        rows = value_pb2.RepeatedValue.FromString(buf[start:end]).val
        out = np.empty(len(rows), dtype=object)
        out[:] = [from_value(v) for v in rows]
        return out
    if field in (4, 5):
        message = _LIST_MESSAGES[field].FromString(buf[start:end])
        out = np.empty(len(message.val), dtype=object)
        out[:] = message.val
        return out
    chunks = _packed_chunks(buf, start, end)
    if chunks is None:
        # Unpacked elements (legal, never sent by fstore): let protobuf read them.
        values = list(_LIST_MESSAGES[field].FromString(buf[start:end]).val)
        dtype = {6: np.int32, 7: np.int64, 8: np.float64, 9: np.float32, 10: np.bool_, 11: np.int64}[field]
        return np.array(values, dtype=dtype)
    data = _joined(buf, chunks)
    if field == 8:
        return data.view("<f8").astype(np.float64, copy=True)
    if field == 9:
        return data.view("<f4").astype(np.float32, copy=True)
    if field == 10:
        return decode_varints(data) != 0
    decoded = decode_varints(data).view(np.int64)
    return decoded.astype(np.int32) if field == 6 else decoded


def _column(buf: bytes, start: int, end: int, num_rows: int) -> DecodedColumn:
    name = ""
    value_type = 0
    nulls: Optional[np.ndarray] = None
    null_chunks: list[tuple[int, int]] = []
    values: Optional[np.ndarray] = None
    pos = start
    while pos < end:
        tag, pos = _varint(buf, pos)
        field, wire = tag >> 3, tag & 7
        if field == 1 and wire == _LEN:
            n, pos = _varint(buf, pos)
            name = buf[pos : pos + n].decode("utf-8")
            pos += n
        elif field == 2 and wire == _VARINT:
            value_type, pos = _varint(buf, pos)
        elif field == 3 and wire == _LEN:
            n, pos = _varint(buf, pos)
            null_chunks.append((pos, pos + n))
            pos += n
        elif field == 3 and wire == _VARINT:
            # An unpacked null flag: rare enough to decode alone.
            flag, pos = _varint(buf, pos)
            null_chunks.append((-1, flag))
        elif 4 <= field <= 12 and wire == _LEN:
            n, pos = _varint(buf, pos)
            values = _typed_values(field, buf, pos, pos + n)
            pos += n
        else:
            pos = _skip(buf, pos, wire)
    if null_chunks:
        parts = [
            np.array([flag != 0]) if s == -1 else decode_varints(_bytes_of(buf, s, flag)) != 0
            for s, flag in null_chunks
        ]
        nulls = parts[0] if len(parts) == 1 else np.concatenate(parts)
        if not nulls.any():
            nulls = None
    if values is None:
        values = np.zeros(0, dtype=np.int64)
    if len(values) != num_rows:
        raise ValueError(f"record batch: column {name!r} has {len(values)} values for {num_rows} rows")
    if nulls is not None and len(nulls) != num_rows:
        raise ValueError(f"record batch: column {name!r} has {len(nulls)} null flags for {num_rows} rows")
    return DecodedColumn(name, value_type, values, nulls)


def batch_spans(buf: bytes, start: int = 0, end: Optional[int] = None) -> tuple[int, list[tuple[int, int]]]:
    """A RecordBatch message's row count and the spans of its Column messages (nothing decoded)."""
    end = len(buf) if end is None else end
    num_rows = 0
    spans: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        tag, pos = _varint(buf, pos)
        field, wire = tag >> 3, tag & 7
        if field == 1 and wire == _VARINT:
            num_rows, pos = _varint(buf, pos)
        elif field == 2 and wire == _LEN:
            n, pos = _varint(buf, pos)
            spans.append((pos, pos + n))
            pos += n
        else:
            pos = _skip(buf, pos, wire)
    if pos != end:
        raise ValueError("record batch: truncated message")
    return num_rows, spans


def decode_column(buf: bytes, start: int, end: int, num_rows: int) -> DecodedColumn:
    """One Column message of a batch of ``num_rows`` rows."""
    return _column(buf, start, end, num_rows)


def decode_batch(buf: bytes, start: int = 0, end: Optional[int] = None) -> tuple[int, list[DecodedColumn]]:
    """A RecordBatch message (``buf[start:end]``) as its row count and decoded columns."""
    num_rows, spans = batch_spans(buf, start, end)
    return num_rows, [_column(buf, s, e, num_rows) for s, e in spans]


def response_kind(buf: bytes) -> tuple[int, int, int]:
    """A GetHistoricalFeaturesResponse's oneof field number (1 schema, 2 batch, 3 summary) and span."""
    pos = 0
    kind, span = 0, (0, 0)
    while pos < len(buf):
        tag, pos = _varint(buf, pos)
        field, wire = tag >> 3, tag & 7
        if wire == _LEN:
            n, pos = _varint(buf, pos)
            if field in (1, 2, 3):
                kind, span = field, (pos, pos + n)
            pos += n
        else:
            pos = _skip(buf, pos, wire)
    return kind, span[0], span[1]


__all__: list[Any] = [
    "DecodedColumn",
    "batch_spans",
    "decode_batch",
    "decode_column",
    "decode_varints",
    "response_kind",
]
