from fstore.v1 import monitoring_pb2 as _monitoring_pb2
from fstore.v1 import lineage_pb2 as _lineage_pb2
from fstore.v1 import registry_pb2 as _registry_pb2
from fstore.v1 import value_pb2 as _value_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
FIELD_STATUS_NOT_FOUND: FieldStatus
FIELD_STATUS_NULL_VALUE: FieldStatus
FIELD_STATUS_OUTSIDE_MAX_AGE: FieldStatus
FIELD_STATUS_PRESENT: FieldStatus
FIELD_STATUS_UNSPECIFIED: FieldStatus
PUSH_TO_OFFLINE: PushTo
PUSH_TO_ONLINE: PushTo
PUSH_TO_ONLINE_AND_OFFLINE: PushTo
PUSH_TO_UNSPECIFIED: PushTo
SAMPLE_FROM_OFFLINE: SampleFrom
SAMPLE_FROM_ONLINE: SampleFrom
SAMPLE_FROM_UNSPECIFIED: SampleFrom

class Column(_message.Message):
    __slots__ = ["bool_values", "bytes_values", "double_values", "float_values", "int32_values", "int64_values", "list_values", "name", "nulls", "string_values", "timestamp_micros_values", "value_type"]
    BOOL_VALUES_FIELD_NUMBER: _ClassVar[int]
    BYTES_VALUES_FIELD_NUMBER: _ClassVar[int]
    DOUBLE_VALUES_FIELD_NUMBER: _ClassVar[int]
    FLOAT_VALUES_FIELD_NUMBER: _ClassVar[int]
    INT32_VALUES_FIELD_NUMBER: _ClassVar[int]
    INT64_VALUES_FIELD_NUMBER: _ClassVar[int]
    LIST_VALUES_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NULLS_FIELD_NUMBER: _ClassVar[int]
    STRING_VALUES_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MICROS_VALUES_FIELD_NUMBER: _ClassVar[int]
    VALUE_TYPE_FIELD_NUMBER: _ClassVar[int]
    bool_values: _value_pb2.BoolList
    bytes_values: _value_pb2.BytesList
    double_values: _value_pb2.DoubleList
    float_values: _value_pb2.FloatList
    int32_values: _value_pb2.Int32List
    int64_values: _value_pb2.Int64List
    list_values: _value_pb2.RepeatedValue
    name: str
    nulls: _containers.RepeatedScalarFieldContainer[bool]
    string_values: _value_pb2.StringList
    timestamp_micros_values: _value_pb2.Int64List
    value_type: _value_pb2.ValueType
    def __init__(self, name: _Optional[str] = ..., value_type: _Optional[_Union[_value_pb2.ValueType, str]] = ..., nulls: _Optional[_Iterable[bool]] = ..., bytes_values: _Optional[_Union[_value_pb2.BytesList, _Mapping]] = ..., string_values: _Optional[_Union[_value_pb2.StringList, _Mapping]] = ..., int32_values: _Optional[_Union[_value_pb2.Int32List, _Mapping]] = ..., int64_values: _Optional[_Union[_value_pb2.Int64List, _Mapping]] = ..., double_values: _Optional[_Union[_value_pb2.DoubleList, _Mapping]] = ..., float_values: _Optional[_Union[_value_pb2.FloatList, _Mapping]] = ..., bool_values: _Optional[_Union[_value_pb2.BoolList, _Mapping]] = ..., timestamp_micros_values: _Optional[_Union[_value_pb2.Int64List, _Mapping]] = ..., list_values: _Optional[_Union[_value_pb2.RepeatedValue, _Mapping]] = ...) -> None: ...

class ConsistencyExample(_message.Message):
    __slots__ = ["entity_key", "kind", "offline_event_timestamp", "offline_value", "online_event_timestamp", "online_value", "relative_difference"]
    class EntityKeyEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _value_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_value_pb2.Value, _Mapping]] = ...) -> None: ...
    ENTITY_KEY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OFFLINE_EVENT_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    OFFLINE_VALUE_FIELD_NUMBER: _ClassVar[int]
    ONLINE_EVENT_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ONLINE_VALUE_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_DIFFERENCE_FIELD_NUMBER: _ClassVar[int]
    entity_key: _containers.MessageMap[str, _value_pb2.Value]
    kind: str
    offline_event_timestamp: _timestamp_pb2.Timestamp
    offline_value: _value_pb2.Value
    online_event_timestamp: _timestamp_pb2.Timestamp
    online_value: _value_pb2.Value
    relative_difference: float
    def __init__(self, entity_key: _Optional[_Mapping[str, _value_pb2.Value]] = ..., online_value: _Optional[_Union[_value_pb2.Value, _Mapping]] = ..., offline_value: _Optional[_Union[_value_pb2.Value, _Mapping]] = ..., online_event_timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., offline_event_timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., relative_difference: _Optional[float] = ..., kind: _Optional[str] = ...) -> None: ...

class EntityRows(_message.Message):
    __slots__ = ["columns", "event_timestamps"]
    class ColumnsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _value_pb2.RepeatedValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_value_pb2.RepeatedValue, _Mapping]] = ...) -> None: ...
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    columns: _containers.MessageMap[str, _value_pb2.RepeatedValue]
    event_timestamps: _containers.RepeatedCompositeFieldContainer[_timestamp_pb2.Timestamp]
    def __init__(self, columns: _Optional[_Mapping[str, _value_pb2.RepeatedValue]] = ..., event_timestamps: _Optional[_Iterable[_Union[_timestamp_pb2.Timestamp, _Mapping]]] = ...) -> None: ...

class EntitySource(_message.Message):
    __slots__ = ["end_time", "source", "start_time"]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    end_time: _timestamp_pb2.Timestamp
    source: str
    start_time: _timestamp_pb2.Timestamp
    def __init__(self, source: _Optional[str] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FeatureConsistency(_message.Message):
    __slots__ = ["compared", "equal", "examples", "feature", "feature_view", "mismatch_rate", "mismatched", "missing_online", "online_only", "passed", "stale_online"]
    COMPARED_FIELD_NUMBER: _ClassVar[int]
    EQUAL_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    MISMATCHED_FIELD_NUMBER: _ClassVar[int]
    MISMATCH_RATE_FIELD_NUMBER: _ClassVar[int]
    MISSING_ONLINE_FIELD_NUMBER: _ClassVar[int]
    ONLINE_ONLY_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    STALE_ONLINE_FIELD_NUMBER: _ClassVar[int]
    compared: int
    equal: int
    examples: _containers.RepeatedCompositeFieldContainer[ConsistencyExample]
    feature: str
    feature_view: str
    mismatch_rate: float
    mismatched: int
    missing_online: int
    online_only: int
    passed: bool
    stale_online: int
    def __init__(self, feature_view: _Optional[str] = ..., feature: _Optional[str] = ..., compared: _Optional[int] = ..., equal: _Optional[int] = ..., mismatched: _Optional[int] = ..., stale_online: _Optional[int] = ..., missing_online: _Optional[int] = ..., online_only: _Optional[int] = ..., mismatch_rate: _Optional[float] = ..., passed: bool = ..., examples: _Optional[_Iterable[_Union[ConsistencyExample, _Mapping]]] = ...) -> None: ...

class FeatureList(_message.Message):
    __slots__ = ["val"]
    VAL_FIELD_NUMBER: _ClassVar[int]
    val: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, val: _Optional[_Iterable[str]] = ...) -> None: ...

class FeatureSelection(_message.Message):
    __slots__ = ["feature_services", "features"]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    FEATURE_SERVICES_FIELD_NUMBER: _ClassVar[int]
    feature_services: _containers.RepeatedScalarFieldContainer[str]
    features: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, features: _Optional[_Iterable[str]] = ..., feature_services: _Optional[_Iterable[str]] = ...) -> None: ...

class FeatureVector(_message.Message):
    __slots__ = ["event_timestamps", "statuses", "values"]
    EVENT_TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    event_timestamps: _containers.RepeatedCompositeFieldContainer[_timestamp_pb2.Timestamp]
    statuses: _containers.RepeatedScalarFieldContainer[FieldStatus]
    values: _containers.RepeatedCompositeFieldContainer[_value_pb2.Value]
    def __init__(self, values: _Optional[_Iterable[_Union[_value_pb2.Value, _Mapping]]] = ..., statuses: _Optional[_Iterable[_Union[FieldStatus, str]]] = ..., event_timestamps: _Optional[_Iterable[_Union[_timestamp_pb2.Timestamp, _Mapping]]] = ...) -> None: ...

class GetFeatureViewRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetFeatureViewResponse(_message.Message):
    __slots__ = ["feature_view"]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    feature_view: _registry_pb2.FeatureView
    def __init__(self, feature_view: _Optional[_Union[_registry_pb2.FeatureView, _Mapping]] = ...) -> None: ...

class GetHistoricalFeaturesRequest(_message.Message):
    __slots__ = ["batch_size", "entity_rows", "entity_source", "full_feature_names", "options", "parquet_output", "selection"]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    ENTITY_ROWS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_SOURCE_FIELD_NUMBER: _ClassVar[int]
    FULL_FEATURE_NAMES_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    PARQUET_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    SELECTION_FIELD_NUMBER: _ClassVar[int]
    batch_size: int
    entity_rows: EntityRows
    entity_source: EntitySource
    full_feature_names: bool
    options: HistoricalOptions
    parquet_output: ParquetOutput
    selection: FeatureSelection
    def __init__(self, selection: _Optional[_Union[FeatureSelection, _Mapping]] = ..., entity_rows: _Optional[_Union[EntityRows, _Mapping]] = ..., entity_source: _Optional[_Union[EntitySource, _Mapping]] = ..., full_feature_names: bool = ..., options: _Optional[_Union[HistoricalOptions, _Mapping]] = ..., parquet_output: _Optional[_Union[ParquetOutput, _Mapping]] = ..., batch_size: _Optional[int] = ...) -> None: ...

class GetHistoricalFeaturesResponse(_message.Message):
    __slots__ = ["batch", "schema", "summary"]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    batch: RecordBatch
    schema: TableSchema
    summary: HistoricalSummary
    def __init__(self, schema: _Optional[_Union[TableSchema, _Mapping]] = ..., batch: _Optional[_Union[RecordBatch, _Mapping]] = ..., summary: _Optional[_Union[HistoricalSummary, _Mapping]] = ...) -> None: ...

class GetOnlineFeaturesRequest(_message.Message):
    __slots__ = ["entities", "full_feature_names", "request_context", "selection"]
    class EntitiesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _value_pb2.RepeatedValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_value_pb2.RepeatedValue, _Mapping]] = ...) -> None: ...
    class RequestContextEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _value_pb2.RepeatedValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_value_pb2.RepeatedValue, _Mapping]] = ...) -> None: ...
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    FULL_FEATURE_NAMES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    SELECTION_FIELD_NUMBER: _ClassVar[int]
    entities: _containers.MessageMap[str, _value_pb2.RepeatedValue]
    full_feature_names: bool
    request_context: _containers.MessageMap[str, _value_pb2.RepeatedValue]
    selection: FeatureSelection
    def __init__(self, selection: _Optional[_Union[FeatureSelection, _Mapping]] = ..., entities: _Optional[_Mapping[str, _value_pb2.RepeatedValue]] = ..., full_feature_names: bool = ..., request_context: _Optional[_Mapping[str, _value_pb2.RepeatedValue]] = ...) -> None: ...

class GetOnlineFeaturesResponse(_message.Message):
    __slots__ = ["metadata", "results"]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    metadata: GetOnlineFeaturesResponseMetadata
    results: _containers.RepeatedCompositeFieldContainer[FeatureVector]
    def __init__(self, metadata: _Optional[_Union[GetOnlineFeaturesResponseMetadata, _Mapping]] = ..., results: _Optional[_Iterable[_Union[FeatureVector, _Mapping]]] = ...) -> None: ...

class GetOnlineFeaturesResponseMetadata(_message.Message):
    __slots__ = ["feature_names"]
    FEATURE_NAMES_FIELD_NUMBER: _ClassVar[int]
    feature_names: FeatureList
    def __init__(self, feature_names: _Optional[_Union[FeatureList, _Mapping]] = ...) -> None: ...

class HistoricalOptions(_message.Message):
    __slots__ = ["drop_unmatched", "exclude_created_after", "include_feature_timestamps", "strict"]
    DROP_UNMATCHED_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_CREATED_AFTER_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_FEATURE_TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    STRICT_FIELD_NUMBER: _ClassVar[int]
    drop_unmatched: bool
    exclude_created_after: bool
    include_feature_timestamps: bool
    strict: bool
    def __init__(self, strict: bool = ..., drop_unmatched: bool = ..., exclude_created_after: bool = ..., include_feature_timestamps: bool = ...) -> None: ...

class HistoricalSummary(_message.Message):
    __slots__ = ["dataset_id", "elapsed", "leakage_audit", "match_counts", "output_path", "row_count", "schema"]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_FIELD_NUMBER: _ClassVar[int]
    LEAKAGE_AUDIT_FIELD_NUMBER: _ClassVar[int]
    MATCH_COUNTS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_PATH_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    elapsed: _duration_pb2.Duration
    leakage_audit: LeakageAudit
    match_counts: _containers.RepeatedCompositeFieldContainer[ViewMatchCount]
    output_path: str
    row_count: int
    schema: TableSchema
    def __init__(self, row_count: _Optional[int] = ..., match_counts: _Optional[_Iterable[_Union[ViewMatchCount, _Mapping]]] = ..., elapsed: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., leakage_audit: _Optional[_Union[LeakageAudit, _Mapping]] = ..., output_path: _Optional[str] = ..., schema: _Optional[_Union[TableSchema, _Mapping]] = ..., dataset_id: _Optional[str] = ...) -> None: ...

class LeakageAudit(_message.Message):
    __slots__ = ["passed", "violations"]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    passed: bool
    violations: int
    def __init__(self, violations: _Optional[int] = ..., passed: bool = ...) -> None: ...

class ListEntitiesRequest(_message.Message):
    __slots__ = ["tags"]
    class TagsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TAGS_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.ScalarMap[str, str]
    def __init__(self, tags: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListEntitiesResponse(_message.Message):
    __slots__ = ["entities"]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    entities: _containers.RepeatedCompositeFieldContainer[_registry_pb2.Entity]
    def __init__(self, entities: _Optional[_Iterable[_Union[_registry_pb2.Entity, _Mapping]]] = ...) -> None: ...

class ListFeatureServicesRequest(_message.Message):
    __slots__ = ["tags"]
    class TagsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TAGS_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.ScalarMap[str, str]
    def __init__(self, tags: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListFeatureServicesResponse(_message.Message):
    __slots__ = ["feature_services"]
    FEATURE_SERVICES_FIELD_NUMBER: _ClassVar[int]
    feature_services: _containers.RepeatedCompositeFieldContainer[_registry_pb2.FeatureServiceSpec]
    def __init__(self, feature_services: _Optional[_Iterable[_Union[_registry_pb2.FeatureServiceSpec, _Mapping]]] = ...) -> None: ...

class ListFeatureViewsRequest(_message.Message):
    __slots__ = ["tags"]
    class TagsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TAGS_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.ScalarMap[str, str]
    def __init__(self, tags: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListFeatureViewsResponse(_message.Message):
    __slots__ = ["feature_views", "on_demand_feature_views"]
    FEATURE_VIEWS_FIELD_NUMBER: _ClassVar[int]
    ON_DEMAND_FEATURE_VIEWS_FIELD_NUMBER: _ClassVar[int]
    feature_views: _containers.RepeatedCompositeFieldContainer[_registry_pb2.FeatureView]
    on_demand_feature_views: _containers.RepeatedCompositeFieldContainer[_registry_pb2.OnDemandFeatureView]
    def __init__(self, feature_views: _Optional[_Iterable[_Union[_registry_pb2.FeatureView, _Mapping]]] = ..., on_demand_feature_views: _Optional[_Iterable[_Union[_registry_pb2.OnDemandFeatureView, _Mapping]]] = ...) -> None: ...

class ListPermissionsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListPermissionsResponse(_message.Message):
    __slots__ = ["permissions"]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    permissions: _containers.RepeatedCompositeFieldContainer[_registry_pb2.Permission]
    def __init__(self, permissions: _Optional[_Iterable[_Union[_registry_pb2.Permission, _Mapping]]] = ...) -> None: ...

class MaterializeProgress(_message.Message):
    __slots__ = ["done", "elapsed", "end_time", "entities_written", "feature_view", "rows_read", "start_time"]
    DONE_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    ROWS_READ_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    done: bool
    elapsed: _duration_pb2.Duration
    end_time: _timestamp_pb2.Timestamp
    entities_written: int
    feature_view: str
    rows_read: int
    start_time: _timestamp_pb2.Timestamp
    def __init__(self, feature_view: _Optional[str] = ..., rows_read: _Optional[int] = ..., entities_written: _Optional[int] = ..., elapsed: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., done: bool = ...) -> None: ...

class MaterializeRequest(_message.Message):
    __slots__ = ["end_time", "feature_views", "incremental", "start_time"]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEWS_FIELD_NUMBER: _ClassVar[int]
    INCREMENTAL_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    end_time: _timestamp_pb2.Timestamp
    feature_views: _containers.RepeatedScalarFieldContainer[str]
    incremental: bool
    start_time: _timestamp_pb2.Timestamp
    def __init__(self, start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., incremental: bool = ..., feature_views: _Optional[_Iterable[str]] = ...) -> None: ...

class MaterializeResponse(_message.Message):
    __slots__ = ["progress", "summary"]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    progress: MaterializeProgress
    summary: MaterializeSummary
    def __init__(self, progress: _Optional[_Union[MaterializeProgress, _Mapping]] = ..., summary: _Optional[_Union[MaterializeSummary, _Mapping]] = ...) -> None: ...

class MaterializeSummary(_message.Message):
    __slots__ = ["elapsed", "views"]
    ELAPSED_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    elapsed: _duration_pb2.Duration
    views: _containers.RepeatedCompositeFieldContainer[MaterializeProgress]
    def __init__(self, views: _Optional[_Iterable[_Union[MaterializeProgress, _Mapping]]] = ..., elapsed: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ParquetOutput(_message.Message):
    __slots__ = ["path"]
    PATH_FIELD_NUMBER: _ClassVar[int]
    path: str
    def __init__(self, path: _Optional[str] = ...) -> None: ...

class PushRequest(_message.Message):
    __slots__ = ["columns", "push_source_name", "to"]
    class ColumnsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _value_pb2.RepeatedValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_value_pb2.RepeatedValue, _Mapping]] = ...) -> None: ...
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    PUSH_SOURCE_NAME_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    columns: _containers.MessageMap[str, _value_pb2.RepeatedValue]
    push_source_name: str
    to: PushTo
    def __init__(self, push_source_name: _Optional[str] = ..., columns: _Optional[_Mapping[str, _value_pb2.RepeatedValue]] = ..., to: _Optional[_Union[PushTo, str]] = ...) -> None: ...

class PushResponse(_message.Message):
    __slots__ = ["offline_path", "online_entities_written", "online_rows_skipped_stale", "rows"]
    OFFLINE_PATH_FIELD_NUMBER: _ClassVar[int]
    ONLINE_ENTITIES_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    ONLINE_ROWS_SKIPPED_STALE_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    offline_path: str
    online_entities_written: int
    online_rows_skipped_stale: int
    rows: int
    def __init__(self, rows: _Optional[int] = ..., online_entities_written: _Optional[int] = ..., online_rows_skipped_stale: _Optional[int] = ..., offline_path: _Optional[str] = ...) -> None: ...

class RecordBatch(_message.Message):
    __slots__ = ["columns", "num_rows"]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    NUM_ROWS_FIELD_NUMBER: _ClassVar[int]
    columns: _containers.RepeatedCompositeFieldContainer[Column]
    num_rows: int
    def __init__(self, num_rows: _Optional[int] = ..., columns: _Optional[_Iterable[_Union[Column, _Mapping]]] = ...) -> None: ...

class TableSchema(_message.Message):
    __slots__ = ["fields"]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    fields: _containers.RepeatedCompositeFieldContainer[_registry_pb2.Field]
    def __init__(self, fields: _Optional[_Iterable[_Union[_registry_pb2.Field, _Mapping]]] = ...) -> None: ...

class ValidateConsistencyRequest(_message.Message):
    __slots__ = ["entities", "feature_views", "max_examples", "max_mismatch_rate", "sample_from", "sample_size", "selection", "tolerance"]
    class EntitiesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _value_pb2.RepeatedValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_value_pb2.RepeatedValue, _Mapping]] = ...) -> None: ...
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEWS_FIELD_NUMBER: _ClassVar[int]
    MAX_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    MAX_MISMATCH_RATE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_FROM_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_SIZE_FIELD_NUMBER: _ClassVar[int]
    SELECTION_FIELD_NUMBER: _ClassVar[int]
    TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    entities: _containers.MessageMap[str, _value_pb2.RepeatedValue]
    feature_views: _containers.RepeatedScalarFieldContainer[str]
    max_examples: int
    max_mismatch_rate: float
    sample_from: SampleFrom
    sample_size: int
    selection: FeatureSelection
    tolerance: float
    def __init__(self, feature_views: _Optional[_Iterable[str]] = ..., selection: _Optional[_Union[FeatureSelection, _Mapping]] = ..., sample_size: _Optional[int] = ..., sample_from: _Optional[_Union[SampleFrom, str]] = ..., entities: _Optional[_Mapping[str, _value_pb2.RepeatedValue]] = ..., tolerance: _Optional[float] = ..., max_mismatch_rate: _Optional[float] = ..., max_examples: _Optional[int] = ...) -> None: ...

class ValidateConsistencyResponse(_message.Message):
    __slots__ = ["elapsed", "entities_checked", "features", "max_mismatch_rate", "passed", "tolerance"]
    ELAPSED_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_CHECKED_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    MAX_MISMATCH_RATE_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    elapsed: _duration_pb2.Duration
    entities_checked: int
    features: _containers.RepeatedCompositeFieldContainer[FeatureConsistency]
    max_mismatch_rate: float
    passed: bool
    tolerance: float
    def __init__(self, passed: bool = ..., entities_checked: _Optional[int] = ..., features: _Optional[_Iterable[_Union[FeatureConsistency, _Mapping]]] = ..., elapsed: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., tolerance: _Optional[float] = ..., max_mismatch_rate: _Optional[float] = ...) -> None: ...

class ViewMatchCount(_message.Message):
    __slots__ = ["feature_view", "matched_rows"]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    MATCHED_ROWS_FIELD_NUMBER: _ClassVar[int]
    feature_view: str
    matched_rows: int
    def __init__(self, feature_view: _Optional[str] = ..., matched_rows: _Optional[int] = ...) -> None: ...

class FieldStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class PushTo(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class SampleFrom(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
