from fstore.v1 import value_pb2 as _value_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DatasetEntry(_message.Message):
    __slots__ = ["created_time", "id", "row_count"]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    created_time: _timestamp_pb2.Timestamp
    id: str
    row_count: int
    def __init__(self, id: _Optional[str] = ..., created_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., row_count: _Optional[int] = ...) -> None: ...

class DatasetManifest(_message.Message):
    __slots__ = ["columns", "created_time", "definitions", "entities", "feature_services", "features", "full_feature_names", "id", "leakage_violations", "manifest_json", "match_counts", "options", "output", "output_path", "project", "registry_version", "row_count", "sources", "via"]
    class OptionsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bool
        def __init__(self, key: _Optional[str] = ..., value: bool = ...) -> None: ...
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    DEFINITIONS_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    FEATURE_SERVICES_FIELD_NUMBER: _ClassVar[int]
    FULL_FEATURE_NAMES_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LEAKAGE_VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_JSON_FIELD_NUMBER: _ClassVar[int]
    MATCH_COUNTS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_PATH_FIELD_NUMBER: _ClassVar[int]
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    REGISTRY_VERSION_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    VIA_FIELD_NUMBER: _ClassVar[int]
    columns: _containers.RepeatedScalarFieldContainer[str]
    created_time: _timestamp_pb2.Timestamp
    definitions: _containers.RepeatedCompositeFieldContainer[UsedDefinition]
    entities: EntityInputLineage
    feature_services: _containers.RepeatedScalarFieldContainer[str]
    features: _containers.RepeatedScalarFieldContainer[str]
    full_feature_names: bool
    id: str
    leakage_violations: int
    manifest_json: str
    match_counts: _containers.RepeatedCompositeFieldContainer[DatasetMatchCount]
    options: _containers.ScalarMap[str, bool]
    output: str
    output_path: str
    project: str
    registry_version: int
    row_count: int
    sources: _containers.RepeatedCompositeFieldContainer[ViewSourceFiles]
    via: str
    def __init__(self, id: _Optional[str] = ..., project: _Optional[str] = ..., created_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., via: _Optional[str] = ..., output: _Optional[str] = ..., features: _Optional[_Iterable[str]] = ..., feature_services: _Optional[_Iterable[str]] = ..., full_feature_names: bool = ..., options: _Optional[_Mapping[str, bool]] = ..., registry_version: _Optional[int] = ..., definitions: _Optional[_Iterable[_Union[UsedDefinition, _Mapping]]] = ..., sources: _Optional[_Iterable[_Union[ViewSourceFiles, _Mapping]]] = ..., entities: _Optional[_Union[EntityInputLineage, _Mapping]] = ..., row_count: _Optional[int] = ..., match_counts: _Optional[_Iterable[_Union[DatasetMatchCount, _Mapping]]] = ..., leakage_violations: _Optional[int] = ..., output_path: _Optional[str] = ..., columns: _Optional[_Iterable[str]] = ..., manifest_json: _Optional[str] = ...) -> None: ...

class DatasetMatchCount(_message.Message):
    __slots__ = ["feature_view", "matched_rows"]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    MATCHED_ROWS_FIELD_NUMBER: _ClassVar[int]
    feature_view: str
    matched_rows: int
    def __init__(self, feature_view: _Optional[str] = ..., matched_rows: _Optional[int] = ...) -> None: ...

class EntityInputLineage(_message.Message):
    __slots__ = ["end_time", "files", "fingerprint", "kind", "rows", "source", "start_time"]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    end_time: _timestamp_pb2.Timestamp
    files: _containers.RepeatedCompositeFieldContainer[SourceFile]
    fingerprint: str
    kind: str
    rows: int
    source: str
    start_time: _timestamp_pb2.Timestamp
    def __init__(self, kind: _Optional[str] = ..., rows: _Optional[int] = ..., fingerprint: _Optional[str] = ..., source: _Optional[str] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., files: _Optional[_Iterable[_Union[SourceFile, _Mapping]]] = ...) -> None: ...

class GetLineageRequest(_message.Message):
    __slots__ = ["dataset_id", "materialization_run_id", "online_row"]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    MATERIALIZATION_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    ONLINE_ROW_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    materialization_run_id: str
    online_row: OnlineRowRef
    def __init__(self, dataset_id: _Optional[str] = ..., online_row: _Optional[_Union[OnlineRowRef, _Mapping]] = ..., materialization_run_id: _Optional[str] = ...) -> None: ...

class GetLineageResponse(_message.Message):
    __slots__ = ["dataset", "materialization", "online_row"]
    DATASET_FIELD_NUMBER: _ClassVar[int]
    MATERIALIZATION_FIELD_NUMBER: _ClassVar[int]
    ONLINE_ROW_FIELD_NUMBER: _ClassVar[int]
    dataset: DatasetManifest
    materialization: MaterializationLineage
    online_row: OnlineRowLineage
    def __init__(self, dataset: _Optional[_Union[DatasetManifest, _Mapping]] = ..., online_row: _Optional[_Union[OnlineRowLineage, _Mapping]] = ..., materialization: _Optional[_Union[MaterializationLineage, _Mapping]] = ...) -> None: ...

class GetObjectVersionRequest(_message.Message):
    __slots__ = ["kind", "name", "version"]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    kind: str
    name: str
    version: int
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class GetObjectVersionResponse(_message.Message):
    __slots__ = ["version"]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: ObjectVersion
    def __init__(self, version: _Optional[_Union[ObjectVersion, _Mapping]] = ...) -> None: ...

class ListDatasetsRequest(_message.Message):
    __slots__ = ["limit"]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    limit: int
    def __init__(self, limit: _Optional[int] = ...) -> None: ...

class ListDatasetsResponse(_message.Message):
    __slots__ = ["datasets"]
    DATASETS_FIELD_NUMBER: _ClassVar[int]
    datasets: _containers.RepeatedCompositeFieldContainer[DatasetEntry]
    def __init__(self, datasets: _Optional[_Iterable[_Union[DatasetEntry, _Mapping]]] = ...) -> None: ...

class ListObjectVersionsRequest(_message.Message):
    __slots__ = ["kind", "name"]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    kind: str
    name: str
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[str] = ...) -> None: ...

class ListObjectVersionsResponse(_message.Message):
    __slots__ = ["versions"]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[ObjectVersion]
    def __init__(self, versions: _Optional[_Iterable[_Union[ObjectVersion, _Mapping]]] = ...) -> None: ...

class MaterializationLineage(_message.Message):
    __slots__ = ["entities_written", "error", "feature_view", "files", "finished_time", "outcome", "rows_read", "run_id", "scheduled", "started_time", "view", "window_end", "window_start"]
    ENTITIES_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    FINISHED_TIME_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ROWS_READ_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_FIELD_NUMBER: _ClassVar[int]
    STARTED_TIME_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    entities_written: int
    error: str
    feature_view: str
    files: _containers.RepeatedCompositeFieldContainer[SourceFile]
    finished_time: _timestamp_pb2.Timestamp
    outcome: str
    rows_read: int
    run_id: str
    scheduled: bool
    started_time: _timestamp_pb2.Timestamp
    view: UsedDefinition
    window_end: _timestamp_pb2.Timestamp
    window_start: _timestamp_pb2.Timestamp
    def __init__(self, run_id: _Optional[str] = ..., feature_view: _Optional[str] = ..., view: _Optional[_Union[UsedDefinition, _Mapping]] = ..., window_start: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., window_end: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., started_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., finished_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., outcome: _Optional[str] = ..., rows_read: _Optional[int] = ..., entities_written: _Optional[int] = ..., files: _Optional[_Iterable[_Union[SourceFile, _Mapping]]] = ..., scheduled: bool = ..., error: _Optional[str] = ...) -> None: ...

class ObjectVersion(_message.Message):
    __slots__ = ["applied_by", "content_hash", "created_time", "definition_json", "dependencies", "git_commit", "git_dirty", "kind", "name", "version"]
    class DependenciesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    APPLIED_BY_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HASH_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_JSON_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCIES_FIELD_NUMBER: _ClassVar[int]
    GIT_COMMIT_FIELD_NUMBER: _ClassVar[int]
    GIT_DIRTY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    applied_by: str
    content_hash: str
    created_time: _timestamp_pb2.Timestamp
    definition_json: str
    dependencies: _containers.ScalarMap[str, int]
    git_commit: str
    git_dirty: bool
    kind: str
    name: str
    version: int
    def __init__(self, kind: _Optional[str] = ..., name: _Optional[str] = ..., version: _Optional[int] = ..., content_hash: _Optional[str] = ..., created_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., applied_by: _Optional[str] = ..., git_commit: _Optional[str] = ..., git_dirty: bool = ..., definition_json: _Optional[str] = ..., dependencies: _Optional[_Mapping[str, int]] = ...) -> None: ...

class OnlineRowLineage(_message.Message):
    __slots__ = ["event_time", "feature_view", "found", "older_run_ids", "run"]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    FOUND_FIELD_NUMBER: _ClassVar[int]
    OLDER_RUN_IDS_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    event_time: _timestamp_pb2.Timestamp
    feature_view: str
    found: bool
    older_run_ids: _containers.RepeatedScalarFieldContainer[str]
    run: MaterializationLineage
    def __init__(self, feature_view: _Optional[str] = ..., found: bool = ..., event_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., run: _Optional[_Union[MaterializationLineage, _Mapping]] = ..., older_run_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class OnlineRowRef(_message.Message):
    __slots__ = ["entity", "feature_view"]
    class EntityEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _value_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_value_pb2.Value, _Mapping]] = ...) -> None: ...
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    entity: _containers.MessageMap[str, _value_pb2.Value]
    feature_view: str
    def __init__(self, feature_view: _Optional[str] = ..., entity: _Optional[_Mapping[str, _value_pb2.Value]] = ...) -> None: ...

class SourceFile(_message.Message):
    __slots__ = ["fingerprint", "modified_time", "path", "size"]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    MODIFIED_TIME_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    fingerprint: str
    modified_time: _timestamp_pb2.Timestamp
    path: str
    size: int
    def __init__(self, path: _Optional[str] = ..., size: _Optional[int] = ..., modified_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., fingerprint: _Optional[str] = ...) -> None: ...

class UsedDefinition(_message.Message):
    __slots__ = ["content_hash", "kind", "name", "version"]
    CONTENT_HASH_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    content_hash: str
    kind: str
    name: str
    version: int
    def __init__(self, kind: _Optional[str] = ..., name: _Optional[str] = ..., version: _Optional[int] = ..., content_hash: _Optional[str] = ...) -> None: ...

class ViewSourceFiles(_message.Message):
    __slots__ = ["feature_view", "files", "source"]
    FEATURE_VIEW_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    feature_view: str
    files: _containers.RepeatedCompositeFieldContainer[SourceFile]
    source: str
    def __init__(self, feature_view: _Optional[str] = ..., source: _Optional[str] = ..., files: _Optional[_Iterable[_Union[SourceFile, _Mapping]]] = ...) -> None: ...
