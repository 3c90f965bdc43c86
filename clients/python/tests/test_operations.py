"""Materialize (with progress), Push, ValidateConsistency, registry reads and health."""

import datetime as dt
import sys
import types

import pandas as pd
import pytest

from expected import CITY_TRIPS, TYPED
from fstore_client import FeatureStoreClient, FstoreError, MaterializeProgress, MaterializeSummary


def test_materialize_yields_progress_then_a_summary(materialized: list) -> None:
    assert all(isinstance(e, MaterializeProgress) for e in materialized[:-1])
    summary = materialized[-1]
    assert isinstance(summary, MaterializeSummary)
    written = {v.feature_view: v.entities_written for v in summary.views}
    assert written == {"typed": len(TYPED), "city_stats": len(CITY_TRIPS)}
    assert {e.feature_view for e in materialized[:-1] if e.done} == {"typed", "city_stats"}
    view = summary.views[0]
    assert view.end == dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)
    assert view.start is not None and view.start.tzinfo is not None


def test_materialize_incremental_drives_a_tqdm_bar(
    client: FeatureStoreClient, materialized: list, monkeypatch
) -> None:
    updates: list = []

    class FakeBar:
        def __init__(self, **kwargs) -> None:
            updates.append(("open", kwargs.get("desc")))

        def update(self, n: int) -> None:
            updates.append(("update", n))

        def set_postfix_str(self, text: str) -> None:
            updates.append(("postfix", text))

        def close(self) -> None:
            updates.append(("close", None))

    fake = types.ModuleType("tqdm.auto")
    fake.tqdm = FakeBar  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tqdm", types.ModuleType("tqdm"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", fake)
    events = list(client.materialize_incremental("2026-01-03T00:00:00Z", views=["city_stats"]))
    assert isinstance(events[-1], MaterializeSummary)
    assert [v.feature_view for v in events[-1].views] == ["city_stats"]
    assert updates[0] == ("open", "materialize") and updates[-1] == ("close", None)
    assert any(kind == "postfix" and text.startswith("city_stats") for kind, text in updates)


def test_push_then_read_online(client: FeatureStoreClient, materialized: list) -> None:
    now = pd.Timestamp.now(tz="UTC").floor("s")
    df = pd.DataFrame({"city": ["nice"], "event_timestamp": [now], "trips": pd.array([5], dtype="Int64")})
    result = client.push("city_stats", df)
    assert result.rows == 1 and result.online_entities_written == 1
    online = client.get_online_features(features=["city_stats:trips"], entities={"city": ["nice"]})
    assert online.to_dict()["trips"] == [5]
    assert online.event_timestamps["trips"] == [now.to_pydatetime()]
    with pytest.raises(ValueError, match="to must be one of"):
        client.push("city_stats", df, to="elsewhere")


def test_validate_consistency(client: FeatureStoreClient, materialized: list) -> None:
    report = client.validate_consistency(feature_service="trips_svc", entities={"city": ["paris", "lyon"]})
    assert report.passed
    assert [(f.feature_view, f.feature, f.compared, f.equal) for f in report.features] == [
        ("city_stats", "trips", 2, 2)
    ]
    by_ref = client.validate_consistency(features=["typed:i64", "typed:s"], entities={"driver_id": [1, 2]})
    assert sorted(f.feature for f in by_ref.features) == ["i64", "s"] and by_ref.passed


def test_registry_reads(client: FeatureStoreClient) -> None:
    assert sorted(e.name for e in client.list_entities()) == ["city", "driver"]
    assert [v.name for v in client.list_feature_views(tags={"team": "ml"})] == ["typed"]
    assert sorted(s.name for s in client.list_feature_services()) == ["trips_svc", "typed_svc"]
    assert [v.name for v in client.list_on_demand_feature_views()] == ["boosted"]
    view = client.get_feature_view("typed")
    assert view.name == "typed" and [f.name for f in view.features] == list(TYPED[1])
    with pytest.raises(FstoreError) as err:
        client.get_feature_view("nope")
    assert err.value.code_name == "NOT_FOUND"


def test_health(client: FeatureStoreClient) -> None:
    assert client.health() == "SERVING"
    assert client.health("fstore.v1.FeatureService") == "SERVING"
