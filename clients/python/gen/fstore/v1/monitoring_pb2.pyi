from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CategoricalStatistics(_message.Message):
    __slots__ = ["distinct", "top"]
    DISTINCT_FIELD_NUMBER: _ClassVar[int]
    TOP_FIELD_NUMBER: _ClassVar[int]
    distinct: int
    top: _containers.RepeatedCompositeFieldContainer[ValueCount]
    def __init__(self, distinct: _Optional[int] = ..., top: _Optional[_Iterable[_Union[ValueCount, _Mapping]]] = ...) -> None: ...

class DetectDriftRequest(_message.Message):
    __slots__ = ["baseline_profile_id", "end", "feature_service", "save", "serving_logs", "start"]
    BASELINE_PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    FEATURE_SERVICE_FIELD_NUMBER: _ClassVar[int]
    SAVE_FIELD_NUMBER: _ClassVar[int]
    SERVING_LOGS_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    baseline_profile_id: int
    end: _timestamp_pb2.Timestamp
    feature_service: str
    save: bool
    serving_logs: bool
    start: _timestamp_pb2.Timestamp
    def __init__(self, feature_service: _Optional[str] = ..., start: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., serving_logs: bool = ..., save: bool = ..., baseline_profile_id: _Optional[int] = ...) -> None: ...

class DetectDriftResponse(_message.Message):
    __slots__ = ["baseline_profile_id", "current_profile_id", "features", "thresholds", "verdict"]
    BASELINE_PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    baseline_profile_id: int
    current_profile_id: int
    features: _containers.RepeatedCompositeFieldContainer[FeatureDriftResult]
    thresholds: DriftThresholdSet
    verdict: str
    def __init__(self, baseline_profile_id: _Optional[int] = ..., current_profile_id: _Optional[int] = ..., verdict: _Optional[str] = ..., features: _Optional[_Iterable[_Union[FeatureDriftResult, _Mapping]]] = ..., thresholds: _Optional[_Union[DriftThresholdSet, _Mapping]] = ...) -> None: ...

class DriftThreshold(_message.Message):
    __slots__ = ["alert", "warn"]
    ALERT_FIELD_NUMBER: _ClassVar[int]
    WARN_FIELD_NUMBER: _ClassVar[int]
    alert: float
    warn: float
    def __init__(self, warn: _Optional[float] = ..., alert: _Optional[float] = ...) -> None: ...

class DriftThresholdSet(_message.Message):
    __slots__ = ["coverage", "js", "ks", "psi"]
    COVERAGE_FIELD_NUMBER: _ClassVar[int]
    JS_FIELD_NUMBER: _ClassVar[int]
    KS_FIELD_NUMBER: _ClassVar[int]
    PSI_FIELD_NUMBER: _ClassVar[int]
    coverage: DriftThreshold
    js: DriftThreshold
    ks: DriftThreshold
    psi: DriftThreshold
    def __init__(self, psi: _Optional[_Union[DriftThreshold, _Mapping]] = ..., ks: _Optional[_Union[DriftThreshold, _Mapping]] = ..., js: _Optional[_Union[DriftThreshold, _Mapping]] = ..., coverage: _Optional[_Union[DriftThreshold, _Mapping]] = ...) -> None: ...

class FeatureDriftResult(_message.Message):
    __slots__ = ["baseline_coverage", "baseline_rows", "coverage_change", "current_coverage", "current_rows", "feature", "js", "kind", "ks", "psi", "reasons", "verdict"]
    BASELINE_COVERAGE_FIELD_NUMBER: _ClassVar[int]
    BASELINE_ROWS_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_CHANGE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_COVERAGE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_ROWS_FIELD_NUMBER: _ClassVar[int]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    JS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    KS_FIELD_NUMBER: _ClassVar[int]
    PSI_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    baseline_coverage: float
    baseline_rows: int
    coverage_change: float
    current_coverage: float
    current_rows: int
    feature: str
    js: float
    kind: str
    ks: float
    psi: float
    reasons: _containers.RepeatedScalarFieldContainer[str]
    verdict: str
    def __init__(self, feature: _Optional[str] = ..., kind: _Optional[str] = ..., baseline_rows: _Optional[int] = ..., current_rows: _Optional[int] = ..., psi: _Optional[float] = ..., ks: _Optional[float] = ..., js: _Optional[float] = ..., baseline_coverage: _Optional[float] = ..., current_coverage: _Optional[float] = ..., coverage_change: _Optional[float] = ..., verdict: _Optional[str] = ..., reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class FeatureProfileSet(_message.Message):
    __slots__ = ["created", "features", "id", "source_kind", "source_name", "window_end", "window_start"]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_NAME_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    created: _timestamp_pb2.Timestamp
    features: _containers.RepeatedCompositeFieldContainer[FeatureStatistics]
    id: int
    source_kind: str
    source_name: str
    window_end: _timestamp_pb2.Timestamp
    window_start: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., source_kind: _Optional[str] = ..., source_name: _Optional[str] = ..., window_start: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., window_end: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., created: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., features: _Optional[_Iterable[_Union[FeatureStatistics, _Mapping]]] = ...) -> None: ...

class FeatureStatistics(_message.Message):
    __slots__ = ["categorical", "coverage", "kind", "name", "non_null", "not_found_share", "numeric", "outside_max_age_share", "rows", "value_type"]
    CATEGORICAL_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NON_NULL_FIELD_NUMBER: _ClassVar[int]
    NOT_FOUND_SHARE_FIELD_NUMBER: _ClassVar[int]
    NUMERIC_FIELD_NUMBER: _ClassVar[int]
    OUTSIDE_MAX_AGE_SHARE_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    VALUE_TYPE_FIELD_NUMBER: _ClassVar[int]
    categorical: CategoricalStatistics
    coverage: float
    kind: str
    name: str
    non_null: int
    not_found_share: float
    numeric: NumericStatistics
    outside_max_age_share: float
    rows: int
    value_type: str
    def __init__(self, name: _Optional[str] = ..., value_type: _Optional[str] = ..., kind: _Optional[str] = ..., rows: _Optional[int] = ..., non_null: _Optional[int] = ..., coverage: _Optional[float] = ..., not_found_share: _Optional[float] = ..., outside_max_age_share: _Optional[float] = ..., numeric: _Optional[_Union[NumericStatistics, _Mapping]] = ..., categorical: _Optional[_Union[CategoricalStatistics, _Mapping]] = ...) -> None: ...

class GetFeatureStatisticsRequest(_message.Message):
    __slots__ = ["bins", "end", "profile_id", "save", "source", "start", "top_values"]
    BINS_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    SAVE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    TOP_VALUES_FIELD_NUMBER: _ClassVar[int]
    bins: int
    end: _timestamp_pb2.Timestamp
    profile_id: int
    save: bool
    source: ProfileSourceSelector
    start: _timestamp_pb2.Timestamp
    top_values: int
    def __init__(self, source: _Optional[_Union[ProfileSourceSelector, _Mapping]] = ..., start: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., bins: _Optional[int] = ..., top_values: _Optional[int] = ..., save: bool = ..., profile_id: _Optional[int] = ...) -> None: ...

class GetFeatureStatisticsResponse(_message.Message):
    __slots__ = ["profile"]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    profile: FeatureProfileSet
    def __init__(self, profile: _Optional[_Union[FeatureProfileSet, _Mapping]] = ...) -> None: ...

class NumericStatistics(_message.Message):
    __slots__ = ["above", "below", "counts", "edges", "max", "mean", "min", "quantiles", "stddev"]
    ABOVE_FIELD_NUMBER: _ClassVar[int]
    BELOW_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_FIELD_NUMBER: _ClassVar[int]
    STDDEV_FIELD_NUMBER: _ClassVar[int]
    above: int
    below: int
    counts: _containers.RepeatedScalarFieldContainer[int]
    edges: _containers.RepeatedScalarFieldContainer[float]
    max: float
    mean: float
    min: float
    quantiles: _containers.RepeatedCompositeFieldContainer[Quantile]
    stddev: float
    def __init__(self, min: _Optional[float] = ..., max: _Optional[float] = ..., mean: _Optional[float] = ..., stddev: _Optional[float] = ..., quantiles: _Optional[_Iterable[_Union[Quantile, _Mapping]]] = ..., edges: _Optional[_Iterable[float]] = ..., counts: _Optional[_Iterable[int]] = ..., below: _Optional[int] = ..., above: _Optional[int] = ...) -> None: ...

class ProfileSourceSelector(_message.Message):
    __slots__ = ["feature_service", "feature_view", "serving_logs", "training_set", "training_set_feature_service"]
    FEATURE_SERVICE_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    SERVING_LOGS_FIELD_NUMBER: _ClassVar[int]
    TRAINING_SET_FEATURE_SERVICE_FIELD_NUMBER: _ClassVar[int]
    TRAINING_SET_FIELD_NUMBER: _ClassVar[int]
    feature_service: str
    feature_view: str
    serving_logs: str
    training_set: str
    training_set_feature_service: str
    def __init__(self, feature_view: _Optional[str] = ..., feature_service: _Optional[str] = ..., training_set: _Optional[str] = ..., serving_logs: _Optional[str] = ..., training_set_feature_service: _Optional[str] = ...) -> None: ...

class Quantile(_message.Message):
    __slots__ = ["quantile", "value"]
    QUANTILE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    quantile: float
    value: float
    def __init__(self, quantile: _Optional[float] = ..., value: _Optional[float] = ...) -> None: ...

class ValueCount(_message.Message):
    __slots__ = ["count", "value"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    count: int
    value: str
    def __init__(self, value: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...
