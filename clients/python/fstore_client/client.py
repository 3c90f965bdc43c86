"""FeatureStoreClient: every fstore RPC with Python values and pandas DataFrames."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import grpc
import pandas as pd
from google.protobuf.timestamp_pb2 import Timestamp

from fstore.v1 import feature_service_pb2 as fs
from fstore.v1 import monitoring_pb2
from fstore.v1 import registry_pb2

from .errors import FstoreError
from .entity_encoding import entity_rows_bytes
from .historical import HistoricalSummary, read_training_set
from .online import OnlineResponse
from .replicas import channel_target, service_config
from .values import rows_to_columns, to_columns

_SERVICE = "/fstore.v1.FeatureService/"
_HEALTH_CHECK = "/grpc.health.v1.Health/Check"
_SERVING_STATUS = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}
_PUSH_TO = {
    "online": fs.PUSH_TO_ONLINE,
    "offline": fs.PUSH_TO_OFFLINE,
    "online_and_offline": fs.PUSH_TO_ONLINE_AND_OFFLINE,
}
_SAMPLE_FROM = {
    None: fs.SAMPLE_FROM_UNSPECIFIED,
    "online": fs.SAMPLE_FROM_ONLINE,
    "offline": fs.SAMPLE_FROM_OFFLINE,
}

FeatureServices = Union[str, Sequence[str]]


@dataclass
class MaterializeProgress:
    """Progress of one feature view (``done`` on its last message)."""

    feature_view: str
    rows_read: int
    entities_written: int
    elapsed: dt.timedelta
    start: Optional[dt.datetime]
    end: Optional[dt.datetime]
    done: bool


@dataclass
class MaterializeSummary:
    """The last event of a materialization: final counts per view."""

    views: List[MaterializeProgress]
    elapsed: dt.timedelta


MaterializeEvent = Union[MaterializeProgress, MaterializeSummary]


def _selection(
    features: Optional[Sequence[str]], feature_service: Optional[FeatureServices]
) -> fs.FeatureSelection:
    """The proto's FeatureSelection: feature references, or one or more feature services."""
    if isinstance(features, str):
        raise TypeError('features must be a list of "view:feature" references, not one string')
    if features and feature_service:
        raise ValueError("give features or feature_service, not both")
    services = [feature_service] if isinstance(feature_service, str) else list(feature_service or [])
    return fs.FeatureSelection(features=list(features or []), feature_services=services)


def _timestamp(value: Any) -> Optional[Timestamp]:
    if value is None:
        return None
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    out = Timestamp()
    out.FromNanoseconds(int(ts.value))
    return out


def _datetime(t: Timestamp, present: bool = True) -> Optional[dt.datetime]:
    if not present:
        return None
    return dt.datetime.fromtimestamp(t.seconds, dt.timezone.utc) + dt.timedelta(microseconds=t.nanos // 1000)


def _duration(d: Any) -> dt.timedelta:
    return dt.timedelta(seconds=d.seconds, microseconds=d.nanos // 1000)


def _progress(p: fs.MaterializeProgress) -> MaterializeProgress:
    return MaterializeProgress(
        feature_view=p.feature_view,
        rows_read=p.rows_read,
        entities_written=p.entities_written,
        elapsed=_duration(p.elapsed),
        start=_datetime(p.start_time, p.HasField("start_time")),
        end=_datetime(p.end_time, p.HasField("end_time")),
        done=p.done,
    )


class FeatureStoreClient:
    """A connection to an fstore server.

    >>> with FeatureStoreClient("127.0.0.1:6566") as store:
    ...     store.get_online_features(
    ...         features=["vehicle_features:num_images"], entity_rows=[{"vehicle_id": 1001}]
    ...     ).to_dict()

    Every failed call raises :class:`FstoreError` with the gRPC status code and message.

    Args:
        target: ``"host:port"`` of the server; several replicas as a list or comma-separated
            (IP addresses, or one ``dns:///name:port`` resolving to each): calls are spread
            round robin and a read-only call failing with UNAVAILABLE is retried on another.
        token: sent as ``authorization: Bearer <token>`` on every call.
        root_certificates: PEM bytes of the CA to trust; turns TLS on.
        tls: TLS with the system's roots (implied by ``root_certificates``).
        timeout: default deadline per call, in seconds (None: no deadline).
        options: extra grpcio channel options.
        retry_attempts: attempts in all for read-only calls on UNAVAILABLE (None: no retries).
    """

    def __init__(
        self,
        target: Union[str, Sequence[str]] = "127.0.0.1:6566",
        *,
        token: Optional[str] = None,
        root_certificates: Optional[bytes] = None,
        tls: bool = False,
        timeout: Optional[float] = 60.0,
        options: Sequence[Tuple[str, Any]] = (),
        retry_attempts: Optional[int] = 4,
    ) -> None:
        channel_options = [
            ("grpc.max_receive_message_length", 256 * 1024 * 1024),
            ("grpc.service_config", service_config(retry_attempts)),
            ("grpc.enable_retries", 1),
            # A restarted replica gets calls again within seconds (the default backoff reaches 2 minutes).
            ("grpc.max_reconnect_backoff_ms", 5000),
            *options,
        ]
        target = channel_target(target)
        if root_certificates is not None or tls:
            credentials = grpc.ssl_channel_credentials(root_certificates=root_certificates)
            self._channel = grpc.secure_channel(target, credentials, options=channel_options)
        else:
            self._channel = grpc.insecure_channel(target, options=channel_options)
        self.target = target
        self.timeout = timeout
        self._metadata: Tuple[Tuple[str, str], ...] = (("authorization", f"Bearer {token}"),) if token else ()

    def __enter__(self) -> "FeatureStoreClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the channel."""
        self._channel.close()

    # -- calls ---------------------------------------------------------------------------------

    def _unary(self, method: str, request: Any, response_type: Any, timeout: Optional[float]) -> Any:
        call = self._channel.unary_unary(
            _SERVICE + method,
            request_serializer=type(request).SerializeToString,
            response_deserializer=response_type.FromString,
        )
        try:
            return call(request, timeout=timeout or self.timeout, metadata=self._metadata)
        except grpc.RpcError as err:
            raise FstoreError.from_rpc_error(err, method) from None

    def _stream(
        self,
        method: str,
        request: Any,
        deserialize: Optional[Callable[[bytes], Any]],
        timeout: Optional[float],
    ) -> Iterator[Any]:
        # A request given as bytes is already serialized.
        serialize = None if isinstance(request, bytes) else type(request).SerializeToString
        call = self._channel.unary_stream(
            _SERVICE + method, request_serializer=serialize, response_deserializer=deserialize
        )
        responses = call(request, timeout=timeout or self.timeout, metadata=self._metadata)
        try:
            yield from responses
        except grpc.RpcError as err:
            raise FstoreError.from_rpc_error(err, method) from None
        finally:
            # Leaving early cancels the call on the server.
            responses.cancel()

    # -- online --------------------------------------------------------------------------------

    def get_online_features(
        self,
        features: Optional[Sequence[str]] = None,
        entity_rows: Optional[Sequence[Mapping[str, Any]]] = None,
        *,
        feature_service: Optional[FeatureServices] = None,
        entities: Optional[Mapping[str, Sequence[Any]]] = None,
        full_feature_names: bool = False,
        request_context: Optional[Mapping[str, Sequence[Any]]] = None,
        timeout: Optional[float] = None,
    ) -> OnlineResponse:
        """Latest values from the online store.

        Args:
            features: references ``"view:feature"``; or give ``feature_service``.
            entity_rows: Feast's rows, e.g. ``[{"vehicle_id": 1001}, ...]``; or ``entities``.
            feature_service: one feature service's name, or several.
            entities: columnar rows, e.g. ``{"vehicle_id": [1001, 1002]}``.
            full_feature_names: name columns ``view__feature``.
            request_context: request data for on-demand views, columnar.
        """
        if (entity_rows is None) == (entities is None):
            raise ValueError("give entity_rows or entities (one of them)")
        columns = rows_to_columns(entity_rows) if entity_rows is not None else dict(entities or {})
        request = fs.GetOnlineFeaturesRequest(
            selection=_selection(features, feature_service),
            entities=to_columns(columns),
            full_feature_names=full_feature_names,
            request_context=to_columns(request_context or {}),
        )
        response = self._unary("GetOnlineFeatures", request, fs.GetOnlineFeaturesResponse, timeout)
        return OnlineResponse(response, frozenset(columns))

    # -- historical ----------------------------------------------------------------------------

    def _historical_request(
        self,
        entity_df: Optional[pd.DataFrame],
        features: Optional[Sequence[str]],
        feature_service: Optional[FeatureServices],
        entity_source: Optional[str],
        start: Any,
        end: Any,
        timestamp_column: str,
        full_feature_names: bool,
        strict: bool,
        drop_unmatched: bool,
        exclude_created_after: bool,
        include_feature_timestamps: bool,
        batch_size: int,
        parquet_path: Optional[str],
    ) -> bytes:
        if (entity_df is None) == (entity_source is None):
            raise ValueError("give entity_df or entity_source (one of them)")
        request = fs.GetHistoricalFeaturesRequest(
            selection=_selection(features, feature_service),
            full_feature_names=full_feature_names,
            options=fs.HistoricalOptions(
                strict=strict,
                drop_unmatched=drop_unmatched,
                exclude_created_after=exclude_created_after,
                include_feature_timestamps=include_feature_timestamps,
            ),
            batch_size=batch_size,
        )
        if entity_df is None:
            source = fs.EntitySource(source=entity_source or "")
            if start is not None:
                source.start_time.CopyFrom(_timestamp(start))
            if end is not None:
                source.end_time.CopyFrom(_timestamp(end))
            request.entity_source.CopyFrom(source)
        if parquet_path is not None:
            request.parquet_output.path = parquet_path
        if entity_df is None:
            return request.SerializeToString()
        # Inline rows are encoded column by column with numpy and appended as field 3
        # (`entity_rows`): a message's fields may come in any order.
        if timestamp_column not in entity_df.columns:
            raise ValueError(
                f"entity_df has no {timestamp_column!r} column: give each row's time there "
                "(or name the column with timestamp_column=)"
            )
        rows = entity_rows_bytes(entity_df, timestamp_column)
        return request.SerializeToString() + b"\x1a" + _varint(len(rows)) + rows

    def get_historical_features(
        self,
        entity_df: Optional[pd.DataFrame] = None,
        features: Optional[Sequence[str]] = None,
        *,
        feature_service: Optional[FeatureServices] = None,
        entity_source: Optional[str] = None,
        start: Any = None,
        end: Any = None,
        timestamp_column: str = "event_timestamp",
        full_feature_names: bool = False,
        strict: bool = False,
        drop_unmatched: bool = False,
        exclude_created_after: bool = False,
        include_feature_timestamps: bool = False,
        batch_size: int = 0,
        timeout: Optional[float] = None,
    ) -> pd.DataFrame:
        """A point-in-time correct training set as a DataFrame.

        Entity rows come from ``entity_df`` (join keys, any other columns, and each row's time in
        ``timestamp_column``; naive times are UTC) or from a registered source (``entity_source``,
        optionally between ``start`` and ``end``). Columns are typed (nullable ``Int64``/``Int32``,
        ``float64``/``float32``, ``string``, ``boolean``, ``datetime64[ns, UTC]``, ``object`` for
        bytes and lists; nulls NA) and ``df.attrs["summary"]`` holds the
        :class:`HistoricalSummary` (row count, matches per view, leakage audit).
        """
        request = self._historical_request(
            entity_df, features, feature_service, entity_source, start, end, timestamp_column,
            full_feature_names, strict, drop_unmatched, exclude_created_after,
            include_feature_timestamps, batch_size, None,
        )  # fmt: skip
        return read_training_set(self._stream("GetHistoricalFeatures", request, None, timeout))

    def write_historical_features(
        self,
        path: str,
        entity_df: Optional[pd.DataFrame] = None,
        features: Optional[Sequence[str]] = None,
        *,
        feature_service: Optional[FeatureServices] = None,
        entity_source: Optional[str] = None,
        start: Any = None,
        end: Any = None,
        timestamp_column: str = "event_timestamp",
        full_feature_names: bool = False,
        strict: bool = False,
        drop_unmatched: bool = False,
        exclude_created_after: bool = False,
        include_feature_timestamps: bool = False,
        timeout: Optional[float] = None,
    ) -> HistoricalSummary:
        """The training set written as Parquet by the server, at ``path`` inside its
        ``offline_store.output_dir``; returns the summary (``output_path`` is the file written)."""
        request = self._historical_request(
            entity_df, features, feature_service, entity_source, start, end, timestamp_column,
            full_feature_names, strict, drop_unmatched, exclude_created_after,
            include_feature_timestamps, 0, path,
        )  # fmt: skip
        summary = None
        parse = fs.GetHistoricalFeaturesResponse.FromString
        for message in self._stream("GetHistoricalFeatures", request, parse, timeout):
            if message.WhichOneof("kind") == "summary":
                summary = HistoricalSummary.from_proto(message.summary)
        if summary is None:
            raise RuntimeError("GetHistoricalFeatures: the stream ended without a summary")
        return summary

    # -- materialization and push --------------------------------------------------------------

    def materialize(
        self,
        start: Any,
        end: Any,
        views: Optional[Sequence[str]] = None,
        *,
        progress: bool = True,
        timeout: Optional[float] = None,
    ) -> Iterator[MaterializeEvent]:
        """Copies the latest offline values of ``[start, end]`` online; yields progress per view,
        then a :class:`MaterializeSummary`. Shows a tqdm bar when tqdm is installed and
        ``progress`` is true."""
        request = fs.MaterializeRequest(
            start_time=_timestamp(start), end_time=_timestamp(end), feature_views=views or []
        )
        return self._materialize(request, progress, timeout)

    def materialize_incremental(
        self,
        end: Any = None,
        views: Optional[Sequence[str]] = None,
        *,
        progress: bool = True,
        timeout: Optional[float] = None,
    ) -> Iterator[MaterializeEvent]:
        """Materializes each view from the end of its last interval (or ``end - ttl``) to ``end``
        (default now); yields like :meth:`materialize`."""
        request = fs.MaterializeRequest(incremental=True, end_time=_timestamp(end), feature_views=views or [])
        return self._materialize(request, progress, timeout)

    def _materialize(
        self, request: fs.MaterializeRequest, progress: bool, timeout: Optional[float]
    ) -> Iterator[MaterializeEvent]:
        bar = _progress_bar() if progress else None
        read: Dict[str, int] = {}
        try:
            for message in self._stream("Materialize", request, fs.MaterializeResponse.FromString, timeout):
                if message.WhichOneof("kind") == "progress":
                    p = _progress(message.progress)
                    if bar is not None:
                        bar.update(p.rows_read - read.get(p.feature_view, 0))
                        bar.set_postfix_str(f"{p.feature_view}: {p.entities_written} entities")
                    read[p.feature_view] = p.rows_read
                    yield p
                elif message.WhichOneof("kind") == "summary":
                    s = message.summary
                    views = [_progress(v) for v in s.views]
                    yield MaterializeSummary(views=views, elapsed=_duration(s.elapsed))
        finally:
            if bar is not None:
                bar.close()

    def push(
        self, source: str, df: pd.DataFrame, to: str = "online", *, timeout: Optional[float] = None
    ) -> fs.PushResponse:
        """Writes rows (every join key, the timestamp field, the features) to a push source or
        feature view; ``to`` is ``"online"``, ``"offline"`` or ``"online_and_offline"``."""
        if to not in _PUSH_TO:
            raise ValueError(f"to must be one of {sorted(_PUSH_TO)}, not {to!r}")
        request = fs.PushRequest(
            push_source_name=source, columns=to_columns({str(c): df[c] for c in df.columns}), to=_PUSH_TO[to]
        )
        return self._unary("Push", request, fs.PushResponse, timeout)

    # -- consistency ---------------------------------------------------------------------------

    def validate_consistency(
        self,
        *,
        feature_views: Optional[Sequence[str]] = None,
        features: Optional[Sequence[str]] = None,
        feature_service: Optional[FeatureServices] = None,
        entities: Optional[Mapping[str, Sequence[Any]]] = None,
        sample_size: int = 0,
        sample_from: Optional[str] = None,
        tolerance: Optional[float] = None,
        max_mismatch_rate: float = 0.0,
        max_examples: int = 0,
        timeout: Optional[float] = None,
    ) -> fs.ValidateConsistencyResponse:
        """Compares online values with the offline values at the same event time (every online
        view when nothing is selected); ``passed`` says whether every feature passed."""
        request = fs.ValidateConsistencyRequest(
            feature_views=feature_views or [],
            selection=_selection(features, feature_service),
            sample_size=sample_size,
            sample_from=_SAMPLE_FROM[sample_from],
            entities=to_columns(entities or {}),
            max_mismatch_rate=max_mismatch_rate,
            max_examples=max_examples,
        )
        if tolerance is not None:
            request.tolerance = tolerance
        return self._unary("ValidateConsistency", request, fs.ValidateConsistencyResponse, timeout)

    # -- registry ------------------------------------------------------------------------------

    def list_entities(self, tags: Optional[Mapping[str, str]] = None) -> List[registry_pb2.Entity]:
        """Entities carrying all of ``tags``."""
        request = fs.ListEntitiesRequest(tags=tags or {})
        return list(self._unary("ListEntities", request, fs.ListEntitiesResponse, None).entities)

    def list_feature_views(self, tags: Optional[Mapping[str, str]] = None) -> List[registry_pb2.FeatureView]:
        """Feature views carrying all of ``tags``, with their registry state."""
        request = fs.ListFeatureViewsRequest(tags=tags or {})
        response = self._unary("ListFeatureViews", request, fs.ListFeatureViewsResponse, None)
        return list(response.feature_views)

    def list_on_demand_feature_views(
        self, tags: Optional[Mapping[str, str]] = None
    ) -> List[registry_pb2.OnDemandFeatureView]:
        """On-demand feature views carrying all of ``tags``."""
        request = fs.ListFeatureViewsRequest(tags=tags or {})
        response = self._unary("ListFeatureViews", request, fs.ListFeatureViewsResponse, None)
        return list(response.on_demand_feature_views)

    def list_feature_services(
        self, tags: Optional[Mapping[str, str]] = None
    ) -> List[registry_pb2.FeatureServiceSpec]:
        """Feature services carrying all of ``tags``."""
        request = fs.ListFeatureServicesRequest(tags=tags or {})
        response = self._unary("ListFeatureServices", request, fs.ListFeatureServicesResponse, None)
        return list(response.feature_services)

    def list_permissions(self) -> List[registry_pb2.Permission]:
        """The repository's permissions the caller may describe (DESCRIBE on Permission), by name."""
        request = fs.ListPermissionsRequest()
        return list(self._unary("ListPermissions", request, fs.ListPermissionsResponse, None).permissions)

    def get_feature_view(self, name: str) -> registry_pb2.FeatureView:
        """One view with its materialization intervals, freshness and last run (NOT_FOUND if unknown)."""
        request = fs.GetFeatureViewRequest(name=name)
        return self._unary("GetFeatureView", request, fs.GetFeatureViewResponse, None).feature_view

    # -- monitoring ----------------------------------------------------------------------------

    def get_feature_statistics(
        self,
        *,
        feature_view: Optional[str] = None,
        feature_service: Optional[str] = None,
        training_set: Optional[str] = None,
        serving_logs: Optional[str] = None,
        start: Any = None,
        end: Any = None,
        bins: int = 0,
        top_values: int = 0,
        save: bool = False,
        profile_id: int = 0,
        timeout: Optional[float] = None,
    ) -> monitoring_pb2.FeatureProfileSet:
        """A data-quality profile of one source (a view's or service's offline rows, a training set
        under the offline store's output_dir with ``feature_service`` naming its features, or a
        service's ``serving_logs``), stored with ``save``; or a stored one by ``profile_id``."""
        source = monitoring_pb2.ProfileSourceSelector()
        if training_set is not None:
            source.training_set = training_set
            source.training_set_feature_service = feature_service or ""
        elif feature_view is not None:
            source.feature_view = feature_view
        elif serving_logs is not None:
            source.serving_logs = serving_logs
        elif feature_service is not None:
            source.feature_service = feature_service
        request = monitoring_pb2.GetFeatureStatisticsRequest(
            source=source, bins=bins, top_values=top_values, save=save, profile_id=profile_id
        )
        if start is not None:
            request.start.CopyFrom(_timestamp(start))
        if end is not None:
            request.end.CopyFrom(_timestamp(end))
        response = self._unary(
            "GetFeatureStatistics", request, monitoring_pb2.GetFeatureStatisticsResponse, timeout
        )
        return response.profile

    def detect_drift(
        self,
        feature_service: str,
        *,
        start: Any = None,
        end: Any = None,
        serving_logs: bool = False,
        save: bool = False,
        baseline_profile_id: int = 0,
        timeout: Optional[float] = None,
    ) -> monitoring_pb2.DetectDriftResponse:
        """Drift of the service's current window (its offline rows, or ``serving_logs``) from its
        baseline or a stored profile; ``verdict`` is the worst feature's ("ok", "warn", "alert")."""
        request = monitoring_pb2.DetectDriftRequest(
            feature_service=feature_service,
            serving_logs=serving_logs,
            save=save,
            baseline_profile_id=baseline_profile_id,
        )
        if start is not None:
            request.start.CopyFrom(_timestamp(start))
        if end is not None:
            request.end.CopyFrom(_timestamp(end))
        return self._unary("DetectDrift", request, monitoring_pb2.DetectDriftResponse, timeout)

    # -- health --------------------------------------------------------------------------------

    def health(self, service: str = "", *, timeout: Optional[float] = None) -> str:
        """grpc.health.v1 Check: ``"SERVING"``, ``"NOT_SERVING"``, ... for ``service`` ("" = the server)."""
        name = service.encode("utf-8")
        request = (b"\x0a" + _varint(len(name)) + name) if name else b""
        call = self._channel.unary_unary(_HEALTH_CHECK)
        try:
            response: bytes = call(request, timeout=timeout or self.timeout, metadata=self._metadata)
        except grpc.RpcError as err:
            raise FstoreError.from_rpc_error(err, "Health/Check") from None
        # HealthCheckResponse { ServingStatus status = 1; }: b"" (UNKNOWN) or b"\x08<status>".
        status = response[1] if len(response) >= 2 and response[0] == 0x08 else 0
        return _SERVING_STATUS.get(status, "UNKNOWN")


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _progress_bar() -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(desc="materialize", unit=" rows")
