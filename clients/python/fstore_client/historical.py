"""GetHistoricalFeatures: the stream of record batches into a DataFrame, and its summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Dict, Iterable, Optional

import pandas as pd

from fstore.v1 import feature_service_pb2 as fs
from fstore.v1.value_pb2 import ValueType

from .frame import TableBuilder
from .record_batch import response_kind


@dataclass
class HistoricalSummary:
    """The last message of a training-set stream, with the leakage audit (which must be 0)."""

    row_count: int
    #: Entity rows that found a feature row, per feature view.
    matched_rows: Dict[str, int]
    elapsed: dt.timedelta
    #: Feature values whose timestamp is after (strict: not before) their row's: must be 0.
    leakage_violations: int
    leakage_passed: bool
    #: With Parquet output: the absolute path the server wrote.
    output_path: str
    #: Column name -> value type name (e.g. "INT64"), in output order.
    schema: Dict[str, str] = field(default_factory=dict)
    #: The id of the training set's recorded manifest (``fstore lineage ID``).
    dataset_id: str = ""

    @classmethod
    def from_proto(cls, s: fs.HistoricalSummary) -> "HistoricalSummary":
        return cls(
            row_count=s.row_count,
            matched_rows={m.feature_view: m.matched_rows for m in s.match_counts},
            elapsed=dt.timedelta(seconds=s.elapsed.seconds, microseconds=s.elapsed.nanos // 1000),
            leakage_violations=s.leakage_audit.violations,
            leakage_passed=s.leakage_audit.passed,
            output_path=s.output_path,
            schema={f.name: _type_name(f.value_type) for f in s.schema.fields},
            dataset_id=s.dataset_id,
        )


def _type_name(value_type: int) -> str:
    return ValueType.Name(value_type).removeprefix("VALUE_TYPE_")


def read_training_set(messages: Iterable[bytes]) -> pd.DataFrame:
    """The stream (raw message bytes) as a DataFrame with ``attrs["summary"]`` set."""
    table = TableBuilder()
    summary: Optional[fs.HistoricalSummary] = None
    for message in messages:
        kind, start, end = response_kind(message)
        if kind == 2:
            table.add_batch(message, start, end)
        elif kind == 1:
            schema = fs.TableSchema.FromString(message[start:end])
            table.add_schema([(f.name, f.value_type) for f in schema.fields])
        elif kind == 3:
            summary = fs.HistoricalSummary.FromString(message[start:end])
    if summary is None:
        raise RuntimeError("GetHistoricalFeatures: the stream ended without a summary")
    if not table.columns:
        table.add_schema([(f.name, f.value_type) for f in summary.schema.fields])
    df = pd.DataFrame(table.arrays(), copy=False)
    df.attrs["summary"] = HistoricalSummary.from_proto(summary)
    return df
