"""The numpy decoder against protobuf's own parser, on hand-made and random batches."""

import numpy as np
import pytest

from fstore.v1 import feature_service_pb2 as fs
from fstore.v1 import value_pb2
from fstore.v1.value_pb2 import ValueType
from fstore_client.record_batch import decode_batch, decode_varints


def _encode_varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def test_decode_varints_matches_a_plain_decoder() -> None:
    rng = np.random.default_rng(7)
    values = [0, 1, 127, 128, 2**49 - 1, 2**49, 2**63 - 1, -1, -(2**63), -5]
    values += rng.integers(-(2**63), 2**63 - 1, size=500, dtype=np.int64).tolist()
    values += rng.integers(0, 300, size=500).tolist()
    data = np.frombuffer(b"".join(_encode_varint(v) for v in values), dtype=np.uint8)
    assert decode_varints(data).view(np.int64).tolist() == values
    assert decode_varints(np.frombuffer(bytes([1, 2, 3]), np.uint8)).tolist() == [1, 2, 3]
    with pytest.raises(ValueError, match="truncated"):
        decode_varints(np.frombuffer(bytes([0x80]), np.uint8))


def test_decode_batch_equals_protobuf() -> None:
    batch = fs.RecordBatch(
        num_rows=3,
        columns=[
            fs.Column(name="i64", value_type=ValueType.VALUE_TYPE_INT64, nulls=[False, True, False],
                      int64_values=value_pb2.Int64List(val=[2**63 - 1, 0, -(2**63)])),
            fs.Column(name="i32", value_type=ValueType.VALUE_TYPE_INT32,
                      int32_values=value_pb2.Int32List(val=[-(2**31), 0, 2**31 - 1])),
            fs.Column(name="f64", value_type=ValueType.VALUE_TYPE_DOUBLE,
                      double_values=value_pb2.DoubleList(val=[1e300, -0.0, 0.1])),
            fs.Column(name="f32", value_type=ValueType.VALUE_TYPE_FLOAT,
                      float_values=value_pb2.FloatList(val=[1.5, -2.5, 0.0])),
            fs.Column(name="ok", value_type=ValueType.VALUE_TYPE_BOOL,
                      bool_values=value_pb2.BoolList(val=[True, False, True])),
            fs.Column(name="s", value_type=ValueType.VALUE_TYPE_STRING,
                      string_values=value_pb2.StringList(val=["a", "", "Zürich"])),
            fs.Column(name="b", value_type=ValueType.VALUE_TYPE_BYTES,
                      bytes_values=value_pb2.BytesList(val=[b"\x00", b"", b"\xff"])),
            fs.Column(name="ts", value_type=ValueType.VALUE_TYPE_UNIX_TIMESTAMP,
                      timestamp_micros_values=value_pb2.Int64List(val=[0, 1_767_225_600_000_000, -1])),
            fs.Column(name="l", value_type=ValueType.VALUE_TYPE_INT64_LIST, list_values=value_pb2.RepeatedValue(
                val=[value_pb2.Value(int64_list_val=value_pb2.Int64List(val=[1, 2])), value_pb2.Value(),
                     value_pb2.Value(int64_list_val=value_pb2.Int64List(val=[]))])),
        ],
    )  # fmt: skip
    num_rows, columns = decode_batch(batch.SerializeToString())
    assert num_rows == 3
    by_name = {c.name: c for c in columns}
    for proto in batch.columns:
        got = by_name[proto.name]
        assert got.value_type == proto.value_type
        expected = getattr(proto, proto.WhichOneof("values")).val
        if proto.name == "l":
            assert got.values.tolist() == [[1, 2], None, []]
        elif proto.name in ("f32",):
            assert got.values.dtype == np.float32 and got.values.tolist() == list(expected)
        else:
            assert got.values.tolist() == list(expected), proto.name
        got_nulls = got.nulls.tolist() if got.nulls is not None else [False] * 3
        assert got_nulls == (list(proto.nulls) or [False] * 3)
    assert by_name["i64"].values.dtype == np.int64 and by_name["i32"].values.dtype == np.int32


def test_decode_batch_rejects_truncated_bytes() -> None:
    column = fs.Column(name="x", int64_values=value_pb2.Int64List(val=[5]))
    data = fs.RecordBatch(num_rows=1, columns=[column])
    raw = data.SerializeToString()
    with pytest.raises(ValueError):
        decode_batch(raw[:-2])
