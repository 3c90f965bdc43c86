"""The result of GetOnlineFeatures: Feast's ``to_dict()``, plus ``to_df()``, statuses and event times."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List

import numpy as np
import pandas as pd

from fstore.v1 import feature_service_pb2
from fstore.v1.value_pb2 import ValueType

from .frame import column_array, pandas_dtype
from .values import from_value, timestamp_to_datetime

#: FieldStatus numbers to Feast's names.
_STATUS = {
    feature_service_pb2.FIELD_STATUS_UNSPECIFIED: "UNSPECIFIED",
    feature_service_pb2.FIELD_STATUS_PRESENT: "PRESENT",
    feature_service_pb2.FIELD_STATUS_NULL_VALUE: "NULL_VALUE",
    feature_service_pb2.FIELD_STATUS_NOT_FOUND: "NOT_FOUND",
    feature_service_pb2.FIELD_STATUS_OUTSIDE_MAX_AGE: "OUTSIDE_MAX_AGE",
}

#: Value oneof case -> value type, to type a DataFrame column from its values.
_CASE_TYPE = {
    "int64_val": ValueType.VALUE_TYPE_INT64,
    "int32_val": ValueType.VALUE_TYPE_INT32,
    "double_val": ValueType.VALUE_TYPE_DOUBLE,
    "float_val": ValueType.VALUE_TYPE_FLOAT,
    "string_val": ValueType.VALUE_TYPE_STRING,
    "bool_val": ValueType.VALUE_TYPE_BOOL,
    "unix_timestamp_val": ValueType.VALUE_TYPE_UNIX_TIMESTAMP,
}


class OnlineResponse:
    """Feature values for a batch of entities, one column per join key and feature.

    ``to_dict()`` gives Feast's shape (column -> list of values, ``None`` where
    nothing is stored); ``to_df()`` a DataFrame typed like a training set;
    ``statuses`` and ``event_timestamps`` the per-value metadata.
    """

    def __init__(
        self, proto: feature_service_pb2.GetOnlineFeaturesResponse, join_keys: frozenset = frozenset()
    ) -> None:
        self.proto = proto
        self._keys = join_keys
        #: Column names: join keys first, then features.
        self.feature_names: List[str] = list(proto.metadata.feature_names.val)

    def __len__(self) -> int:
        return len(self.proto.results[0].values) if self.proto.results else 0

    def to_dict(self, include_event_timestamps: bool = False) -> Dict[str, List[Any]]:
        """Column name -> one Python value per entity row (int64 exact, UTC datetimes, None for null).

        With ``include_event_timestamps``, each feature also gets ``"<name>__ts"`` (Feast's
        spelling) holding its values' event times (None where not found).
        """
        out: Dict[str, List[Any]] = {}
        for name, vector in zip(self.feature_names, self.proto.results):
            out[name] = [from_value(v) for v in vector.values]
            if include_event_timestamps and name not in self._join_keys():
                out[f"{name}__ts"] = self._times(vector)
        return out

    def to_df(self, include_event_timestamps: bool = False) -> pd.DataFrame:
        """The values as a DataFrame (dtypes as ``get_historical_features``; NA for null)."""
        data: Dict[str, Any] = {}
        for name, vector in zip(self.feature_names, self.proto.results):
            data[name] = _column(vector)
            if include_event_timestamps and name not in self._join_keys():
                utc = pandas_dtype(ValueType.VALUE_TYPE_UNIX_TIMESTAMP)
                data[f"{name}__ts"] = pd.array(self._times(vector), dtype=utc)
        return pd.DataFrame(data, copy=False)

    @property
    def statuses(self) -> Dict[str, List[str]]:
        """Column name -> one status per row: PRESENT, NULL_VALUE, NOT_FOUND or OUTSIDE_MAX_AGE."""
        return {
            name: [_STATUS.get(s, "UNSPECIFIED") for s in vector.statuses]
            for name, vector in zip(self.feature_names, self.proto.results)
        }

    @property
    def event_timestamps(self) -> Dict[str, List[dt.datetime | None]]:
        """Column name -> the event time of each value (UTC), None where nothing was found."""
        return {name: self._times(vector) for name, vector in zip(self.feature_names, self.proto.results)}

    def _join_keys(self) -> frozenset:
        """The entity columns sent (they come first and have no event time of their own)."""
        return self._keys

    @staticmethod
    def _times(vector: feature_service_pb2.FeatureVector) -> List[dt.datetime | None]:
        out: List[dt.datetime | None] = []
        for i, t in enumerate(vector.event_timestamps):
            status = vector.statuses[i] if i < len(vector.statuses) else 0
            if status == feature_service_pb2.FIELD_STATUS_NOT_FOUND or (t.seconds == 0 and t.nanos == 0):
                out.append(None)
            else:
                out.append(timestamp_to_datetime(t.seconds, t.nanos))
        return out


def _column(vector: feature_service_pb2.FeatureVector) -> Any:
    cases = [v.WhichOneof("val") for v in vector.values]
    kinds = {c for c in cases if c is not None and c != "null_val"}
    value_type = _CASE_TYPE.get(next(iter(kinds))) if len(kinds) == 1 else None
    nulls = np.array([c is None or c == "null_val" for c in cases], dtype=np.bool_)
    if value_type is None:
        out = np.empty(len(cases), dtype=object)
        out[:] = [from_value(v) for v in vector.values]
        out[nulls] = pd.NA
        return out
    case = next(iter(kinds))
    if value_type == ValueType.VALUE_TYPE_STRING:
        values: np.ndarray = np.empty(len(cases), dtype=object)
        values[:] = [getattr(v, case) for v in vector.values]
    else:
        dtype = {
            ValueType.VALUE_TYPE_INT64: np.int64,
            ValueType.VALUE_TYPE_INT32: np.int32,
            ValueType.VALUE_TYPE_DOUBLE: np.float64,
            ValueType.VALUE_TYPE_FLOAT: np.float32,
            ValueType.VALUE_TYPE_BOOL: np.bool_,
            ValueType.VALUE_TYPE_UNIX_TIMESTAMP: np.int64,
        }[value_type]
        values = np.array([getattr(v, case) for v in vector.values], dtype=dtype)
        if value_type == ValueType.VALUE_TYPE_UNIX_TIMESTAMP:
            values = values * 1_000_000  # seconds to the microseconds column_array expects
    return column_array(value_type, values, nulls if nulls.any() else None)
