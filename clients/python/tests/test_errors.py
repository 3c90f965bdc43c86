"""Errors arrive as FstoreError with the gRPC status: bad requests, auth, TLS."""

import grpc
import pytest

from fstore_client import FeatureStoreClient, FstoreError


def _error(call) -> FstoreError:
    with pytest.raises(FstoreError) as err:
        call()
    return err.value


def test_unknown_feature_is_not_found(client: FeatureStoreClient) -> None:
    refs = ["typed:nope", "ghost:x"]
    e = _error(lambda: client.get_online_features(features=refs, entities={"driver_id": [1]}))
    assert e.code == grpc.StatusCode.NOT_FOUND
    assert 'feature "nope" in view "typed"' in e.message and 'feature view "ghost"' in e.message
    assert e.method == "GetOnlineFeatures" and not e.retryable
    assert str(e).startswith("GetOnlineFeatures: NOT_FOUND: ")


def test_bad_join_key_type_is_invalid_argument(client: FeatureStoreClient) -> None:
    e = _error(lambda: client.get_online_features(features=["typed:i64"], entities={"driver_id": ["abc"]}))
    assert e.code == grpc.StatusCode.INVALID_ARGUMENT
    assert 'column "driver_id" row 0: expected INT64' in e.message


def test_unknown_service_is_not_found(client: FeatureStoreClient) -> None:
    e = _error(lambda: client.get_online_features(feature_service="nope", entities={"driver_id": [1]}))
    assert e.code_name == "NOT_FOUND" and 'feature service "nope"' in e.message


def test_tls_with_a_ca_and_a_token(secure_server) -> None:
    ca = secure_server.cert_path.read_bytes()
    with FeatureStoreClient(secure_server.address, root_certificates=ca, token="s3cret", timeout=30) as c:
        assert c.health() == "SERVING"
        assert sorted(e.name for e in c.list_entities()) == ["city", "driver"]


def test_missing_token_is_unauthenticated_a_wrong_one_permission_denied(secure_server) -> None:
    ca = secure_server.cert_path.read_bytes()
    with FeatureStoreClient(secure_server.address, root_certificates=ca, timeout=30) as c:
        assert _error(c.list_entities).code == grpc.StatusCode.UNAUTHENTICATED
    with FeatureStoreClient(secure_server.address, root_certificates=ca, token="wrong", timeout=30) as c:
        e = _error(lambda: c.get_online_features(features=["typed:i64"], entities={"driver_id": [1]}))
        assert e.code == grpc.StatusCode.PERMISSION_DENIED and "bearer token is not accepted" in e.message


def test_plaintext_to_a_tls_server_is_unavailable(secure_server) -> None:
    with FeatureStoreClient(secure_server.address, token="s3cret", timeout=5) as c:
        e = _error(c.list_entities)
        assert e.code == grpc.StatusCode.UNAVAILABLE and e.retryable
