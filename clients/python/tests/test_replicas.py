"""Several addresses: one round-robin channel, read-only calls retried on UNAVAILABLE."""

import json
import socket

import grpc
import pytest

from fstore_client import IDEMPOTENT_METHODS, FeatureStoreClient, FstoreError, channel_target
from fstore_client.replicas import service_config


def test_several_ip_addresses_make_one_balanced_target() -> None:
    assert channel_target("127.0.0.2:6566,127.0.0.3:6566") == "ipv4:127.0.0.2:6566,127.0.0.3:6566"
    assert channel_target(["[::1]:1", "[::2]:1"]) == "ipv6:[::1]:1,[::2]:1"
    assert channel_target("fstore.internal:6566") == "fstore.internal:6566"
    with pytest.raises(ValueError, match="one DNS name that resolves to every replica"):
        channel_target(["a.example:1", "b.example:1"])


def test_retries_only_read_only_calls_on_unavailable() -> None:
    config = json.loads(service_config())
    assert config["loadBalancingConfig"] == [{"round_robin": {}}]
    (methods,) = config["methodConfig"]
    assert [n["method"] for n in methods["name"]] == list(IDEMPOTENT_METHODS)
    assert "Push" not in IDEMPOTENT_METHODS and "Materialize" not in IDEMPOTENT_METHODS
    assert methods["retryPolicy"]["retryableStatusCodes"] == ["UNAVAILABLE"]
    assert json.loads(service_config(None))["methodConfig"] == []


def _dead_address() -> str:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def test_calls_succeed_while_one_of_the_replicas_is_down(server) -> None:
    dead = _dead_address()
    with FeatureStoreClient([dead, server.address], timeout=30) as store:
        for _ in range(20):
            assert store.list_entities()
    # With every replica down, a read fails as UNAVAILABLE (after the retries), not as a hang.
    with FeatureStoreClient([dead, _dead_address()], timeout=10) as down:
        with pytest.raises(FstoreError) as err:
            down.list_entities()
        assert err.value.code == grpc.StatusCode.UNAVAILABLE
