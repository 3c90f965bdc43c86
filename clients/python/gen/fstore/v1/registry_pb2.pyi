from fstore.v1 import value_pb2 as _value_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
MATERIALIZATION_OUTCOME_ABANDONED: MaterializationOutcome
MATERIALIZATION_OUTCOME_FAILED: MaterializationOutcome
MATERIALIZATION_OUTCOME_SKIPPED: MaterializationOutcome
MATERIALIZATION_OUTCOME_SUCCEEDED: MaterializationOutcome
MATERIALIZATION_OUTCOME_UNSPECIFIED: MaterializationOutcome

class Aggregation(_message.Message):
    __slots__ = ["column", "function", "name", "slide", "window"]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SLIDE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    column: str
    function: str
    name: str
    slide: _duration_pb2.Duration
    window: _duration_pb2.Duration
    def __init__(self, name: _Optional[str] = ..., column: _Optional[str] = ..., function: _Optional[str] = ..., window: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., slide: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class DataSource(_message.Message):
    __slots__ = ["created_timestamp_column", "description", "field_mapping", "file_options", "name", "owner", "push_options", "stream_options", "tags", "timestamp_field"]
    class FieldMappingEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class TagsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CREATED_TIMESTAMP_COLUMN_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    FIELD_MAPPING_FIELD_NUMBER: _ClassVar[int]
    FILE_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    PUSH_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    STREAM_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_FIELD_NUMBER: _ClassVar[int]
    created_timestamp_column: str
    description: str
    field_mapping: _containers.ScalarMap[str, str]
    file_options: FileOptions
    name: str
    owner: str
    push_options: PushOptions
    stream_options: StreamOptions
    tags: _containers.ScalarMap[str, str]
    timestamp_field: str
    def __init__(self, name: _Optional[str] = ..., timestamp_field: _Optional[str] = ..., created_timestamp_column: _Optional[str] = ..., field_mapping: _Optional[_Mapping[str, str]] = ..., description: _Optional[str] = ..., tags: _Optional[_Mapping[str, str]] = ..., owner: _Optional[str] = ..., file_options: _Optional[_Union[FileOptions, _Mapping]] = ..., push_options: _Optional[_Union[PushOptions, _Mapping]] = ..., stream_options: _Optional[_Union[StreamOptions, _Mapping]] = ...) -> None: ...

class Entity(_message.Message):
    __slots__ = ["description", "join_keys", "meta", "name", "owner", "tags", "value_type"]
    class TagsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    JOIN_KEYS_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    VALUE_TYPE_FIELD_NUMBER: _ClassVar[int]
    description: str
    join_keys: _containers.RepeatedScalarFieldContainer[str]
    meta: ObjectMeta
    name: str
    owner: str
    tags: _containers.ScalarMap[str, str]
    value_type: _value_pb2.ValueType
    def __init__(self, name: _Optional[str] = ..., join_keys: _Optional[_Iterable[str]] = ..., value_type: _Optional[_Union[_value_pb2.ValueType, str]] = ..., description: _Optional[str] = ..., tags: _Optional[_Mapping[str, str]] = ..., owner: _Optional[str] = ..., meta: _Optional[_Union[ObjectMeta, _Mapping]] = ...) -> None: ...

class FeatureServiceLogging(_message.Message):
    __slots__ = ["destination_path", "sample_rate"]
    DESTINATION_PATH_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    destination_path: str
    sample_rate: float
    def __init__(self, sample_rate: _Optional[float] = ..., destination_path: _Optional[str] = ...) -> None: ...

class FeatureServiceSpec(_message.Message):
    __slots__ = ["description", "features", "logging", "meta", "name", "owner", "tags"]
    class TagsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    LOGGING_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    description: str
    features: _containers.RepeatedCompositeFieldContainer[FeatureViewProjection]
    logging: FeatureServiceLogging
    meta: ObjectMeta
    name: str
    owner: str
    tags: _containers.ScalarMap[str, str]
    def __init__(self, name: _Optional[str] = ..., features: _Optional[_Iterable[_Union[FeatureViewProjection, _Mapping]]] = ..., description: _Optional[str] = ..., tags: _Optional[_Mapping[str, str]] = ..., owner: _Optional[str] = ..., meta: _Optional[_Union[ObjectMeta, _Mapping]] = ..., logging: _Optional[_Union[FeatureServiceLogging, _Mapping]] = ...) -> None: ...

class FeatureView(_message.Message):
    __slots__ = ["aggregations", "allowed_lateness", "batch_source", "description", "entities", "entity_columns", "features", "meta", "name", "online", "owner", "stream_source", "tags", "ttl"]
    class TagsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    AGGREGATIONS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_LATENESS_FIELD_NUMBER: _ClassVar[int]
    BATCH_SOURCE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    ENTITY_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ONLINE_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    STREAM_SOURCE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    aggregations: _containers.RepeatedCompositeFieldContainer[Aggregation]
    allowed_lateness: _duration_pb2.Duration
    batch_source: DataSource
    description: str
    entities: _containers.RepeatedScalarFieldContainer[str]
    entity_columns: _containers.RepeatedCompositeFieldContainer[Field]
    features: _containers.RepeatedCompositeFieldContainer[Field]
    meta: FeatureViewMeta
    name: str
    online: bool
    owner: str
    stream_source: DataSource
    tags: _containers.ScalarMap[str, str]
    ttl: _duration_pb2.Duration
    def __init__(self, name: _Optional[str] = ..., entities: _Optional[_Iterable[str]] = ..., entity_columns: _Optional[_Iterable[_Union[Field, _Mapping]]] = ..., features: _Optional[_Iterable[_Union[Field, _Mapping]]] = ..., ttl: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., batch_source: _Optional[_Union[DataSource, _Mapping]] = ..., stream_source: _Optional[_Union[DataSource, _Mapping]] = ..., online: bool = ..., description: _Optional[str] = ..., tags: _Optional[_Mapping[str, str]] = ..., owner: _Optional[str] = ..., meta: _Optional[_Union[FeatureViewMeta, _Mapping]] = ..., aggregations: _Optional[_Iterable[_Union[Aggregation, _Mapping]]] = ..., allowed_lateness: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class FeatureViewMeta(_message.Message):
    __slots__ = ["created_timestamp", "freshness", "last_run", "last_updated_timestamp", "materialization_intervals"]
    CREATED_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    FRESHNESS_FIELD_NUMBER: _ClassVar[int]
    LAST_RUN_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    MATERIALIZATION_INTERVALS_FIELD_NUMBER: _ClassVar[int]
    created_timestamp: _timestamp_pb2.Timestamp
    freshness: Freshness
    last_run: MaterializationRun
    last_updated_timestamp: _timestamp_pb2.Timestamp
    materialization_intervals: _containers.RepeatedCompositeFieldContainer[MaterializationInterval]
    def __init__(self, created_timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., last_updated_timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., materialization_intervals: _Optional[_Iterable[_Union[MaterializationInterval, _Mapping]]] = ..., freshness: _Optional[_Union[Freshness, _Mapping]] = ..., last_run: _Optional[_Union[MaterializationRun, _Mapping]] = ...) -> None: ...

class FeatureViewProjection(_message.Message):
    __slots__ = ["feature_view_name", "features"]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEW_NAME_FIELD_NUMBER: _ClassVar[int]
    feature_view_name: str
    features: _containers.RepeatedCompositeFieldContainer[Field]
    def __init__(self, feature_view_name: _Optional[str] = ..., features: _Optional[_Iterable[_Union[Field, _Mapping]]] = ...) -> None: ...

class Field(_message.Message):
    __slots__ = ["description", "name", "tags", "value_type"]
    class TagsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    VALUE_TYPE_FIELD_NUMBER: _ClassVar[int]
    description: str
    name: str
    tags: _containers.ScalarMap[str, str]
    value_type: _value_pb2.ValueType
    def __init__(self, name: _Optional[str] = ..., value_type: _Optional[_Union[_value_pb2.ValueType, str]] = ..., description: _Optional[str] = ..., tags: _Optional[_Mapping[str, str]] = ...) -> None: ...

class FileOptions(_message.Message):
    __slots__ = ["path"]
    PATH_FIELD_NUMBER: _ClassVar[int]
    path: str
    def __init__(self, path: _Optional[str] = ...) -> None: ...

class Freshness(_message.Message):
    __slots__ = ["age", "last_materialized_end", "next_due", "overdue"]
    AGE_FIELD_NUMBER: _ClassVar[int]
    LAST_MATERIALIZED_END_FIELD_NUMBER: _ClassVar[int]
    NEXT_DUE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    age: _duration_pb2.Duration
    last_materialized_end: _timestamp_pb2.Timestamp
    next_due: _timestamp_pb2.Timestamp
    overdue: bool
    def __init__(self, last_materialized_end: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., age: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., overdue: bool = ..., next_due: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MaterializationInterval(_message.Message):
    __slots__ = ["end_time", "recorded_time", "start_time"]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    RECORDED_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    end_time: _timestamp_pb2.Timestamp
    recorded_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    def __init__(self, start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., recorded_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MaterializationRun(_message.Message):
    __slots__ = ["end_time", "entities_written", "error", "outcome", "rows_read", "scheduled", "start_time"]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ROWS_READ_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    end_time: _timestamp_pb2.Timestamp
    entities_written: int
    error: str
    outcome: MaterializationOutcome
    rows_read: int
    scheduled: bool
    start_time: _timestamp_pb2.Timestamp
    def __init__(self, start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., outcome: _Optional[_Union[MaterializationOutcome, str]] = ..., rows_read: _Optional[int] = ..., entities_written: _Optional[int] = ..., error: _Optional[str] = ..., scheduled: bool = ...) -> None: ...

class ObjectMeta(_message.Message):
    __slots__ = ["created_timestamp", "last_updated_timestamp"]
    CREATED_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    created_timestamp: _timestamp_pb2.Timestamp
    last_updated_timestamp: _timestamp_pb2.Timestamp
    def __init__(self, created_timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., last_updated_timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OnDemandFeatureView(_message.Message):
    __slots__ = ["description", "features", "meta", "name", "owner", "request_schema", "sources", "tags", "udf_source"]
    class TagsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    UDF_SOURCE_FIELD_NUMBER: _ClassVar[int]
    description: str
    features: _containers.RepeatedCompositeFieldContainer[Field]
    meta: ObjectMeta
    name: str
    owner: str
    request_schema: _containers.RepeatedCompositeFieldContainer[Field]
    sources: _containers.RepeatedCompositeFieldContainer[FeatureViewProjection]
    tags: _containers.ScalarMap[str, str]
    udf_source: str
    def __init__(self, name: _Optional[str] = ..., sources: _Optional[_Iterable[_Union[FeatureViewProjection, _Mapping]]] = ..., request_schema: _Optional[_Iterable[_Union[Field, _Mapping]]] = ..., features: _Optional[_Iterable[_Union[Field, _Mapping]]] = ..., udf_source: _Optional[str] = ..., description: _Optional[str] = ..., tags: _Optional[_Mapping[str, str]] = ..., owner: _Optional[str] = ..., meta: _Optional[_Union[ObjectMeta, _Mapping]] = ...) -> None: ...

class Permission(_message.Message):
    __slots__ = ["actions", "meta", "name", "name_patterns", "required_tags", "roles", "types"]
    class RequiredTagsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NAME_PATTERNS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_TAGS_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    actions: _containers.RepeatedScalarFieldContainer[str]
    meta: ObjectMeta
    name: str
    name_patterns: _containers.RepeatedScalarFieldContainer[str]
    required_tags: _containers.ScalarMap[str, str]
    roles: _containers.RepeatedScalarFieldContainer[str]
    types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., types: _Optional[_Iterable[str]] = ..., name_patterns: _Optional[_Iterable[str]] = ..., required_tags: _Optional[_Mapping[str, str]] = ..., actions: _Optional[_Iterable[str]] = ..., roles: _Optional[_Iterable[str]] = ..., meta: _Optional[_Union[ObjectMeta, _Mapping]] = ...) -> None: ...

class PushOptions(_message.Message):
    __slots__ = ["batch_source"]
    BATCH_SOURCE_FIELD_NUMBER: _ClassVar[int]
    batch_source: DataSource
    def __init__(self, batch_source: _Optional[_Union[DataSource, _Mapping]] = ...) -> None: ...

class StreamOptions(_message.Message):
    __slots__ = ["batch_source", "connection", "group", "kind", "schema", "stream", "subject"]
    BATCH_SOURCE_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    batch_source: DataSource
    connection: str
    group: str
    kind: str
    schema: _containers.RepeatedCompositeFieldContainer[Field]
    stream: str
    subject: str
    def __init__(self, kind: _Optional[str] = ..., connection: _Optional[str] = ..., stream: _Optional[str] = ..., subject: _Optional[str] = ..., group: _Optional[str] = ..., schema: _Optional[_Iterable[_Union[Field, _Mapping]]] = ..., batch_source: _Optional[_Union[DataSource, _Mapping]] = ...) -> None: ...

class MaterializationOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
