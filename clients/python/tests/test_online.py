"""GetOnlineFeatures through the client: Feast's to_dict, to_df dtypes, statuses, event times."""

import pandas as pd
import pytest

from expected import FEATURE_TIME, FEATURES, MAX, MIN, TYPED
from fstore_client import FeatureStoreClient, FstoreError

REFS = [f"typed:{f}" for f in FEATURES]
IDS = [1, 2, 3, MAX, MIN, 42]


@pytest.fixture(scope="module")
def response(client: FeatureStoreClient, materialized: list):
    return client.get_online_features(features=REFS, entity_rows=[{"driver_id": i} for i in IDS])


def test_to_dict_is_feasts_shape_with_exact_values(response) -> None:
    got = response.to_dict()
    assert list(got) == ["driver_id", *FEATURES]
    assert got["driver_id"] == IDS
    for feature in FEATURES:
        expected = [TYPED[i][feature] if i in TYPED else None for i in IDS]
        assert got[feature] == expected, feature
    # int64 extremes survive exactly, as Python ints.
    assert got["i64"][:2] == [MIN, MAX] and all(type(x) is int for x in got["i64"][:2])
    assert got["ts"][0].tzinfo is not None


def test_statuses_and_event_timestamps(response) -> None:
    statuses = response.statuses
    assert statuses["i64"] == ["PRESENT", "PRESENT", "NULL_VALUE", "PRESENT", "PRESENT", "NOT_FOUND"]
    assert statuses["ts"][3] == "NULL_VALUE"
    times = response.event_timestamps["i64"]
    assert times[:5] == [FEATURE_TIME] * 5 and times[5] is None
    with_ts = response.to_dict(include_event_timestamps=True)
    assert with_ts["f64__ts"] == times and "driver_id__ts" not in with_ts


def test_to_df_types_columns_like_a_training_set(response) -> None:
    df = response.to_df()
    assert str(df["driver_id"].dtype) == "Int64"
    assert str(df["i32"].dtype) == "Int32"
    assert str(df["i64"].dtype) == "Int64"
    assert str(df["f32"].dtype) == "float32"
    assert str(df["f64"].dtype) == "float64"
    assert str(df["s"].dtype) == "string"
    assert str(df["ok"].dtype) == "boolean"
    assert str(df["ts"].dtype) == "datetime64[ns, UTC]"
    assert df["i64"].tolist()[:2] == [MIN, MAX]
    assert df["i64"].isna().tolist() == [False, False, True, False, False, True]
    assert df["s"][2] is pd.NA
    assert df["ts"][0] == pd.Timestamp("2026-01-01", tz="UTC")
    assert df["i64s"][0] == [MAX, MIN]


def test_columnar_entities_full_names_and_services(client: FeatureStoreClient, materialized: list) -> None:
    r = client.get_online_features(
        feature_service="typed_svc", entities={"driver_id": [2]}, full_feature_names=True
    )
    assert r.feature_names == ["driver_id", *[f"typed__{f}" for f in FEATURES]]
    assert r.to_dict()["typed__s"] == ["Zürich"]
    both = client.get_online_features(
        feature_service=["trips_svc"], entities={"city": ["lyon", "paris", "nice"]}
    ).to_dict()
    assert both == {"city": ["lyon", "paris", "nice"], "trips": [20, 10, None]}


def test_request_context_feeds_on_demand_features(client: FeatureStoreClient, materialized: list) -> None:
    r = client.get_online_features(
        features=["boosted:f64_plus_bonus"],
        entities={"driver_id": [1, 3, 42]},
        request_context={"bonus": [0.5, 1.0, 2.0]},
    )
    # f64 is -0.25 for driver 1 and null for 3; 42 has no row.
    assert r.to_dict()["f64_plus_bonus"] == [0.25, None, None]


def test_client_side_argument_checks(client: FeatureStoreClient) -> None:
    with pytest.raises(ValueError, match="not both"):
        client.get_online_features(features=REFS, feature_service="typed_svc", entities={"driver_id": [1]})
    with pytest.raises(ValueError, match="int64"):
        client.get_online_features(features=REFS, entities={"driver_id": [2**63]})
    with pytest.raises(FstoreError) as err:
        client.get_online_features(entities={"driver_id": [1]})
    assert err.value.code_name == "INVALID_ARGUMENT"
    assert "no features requested" in err.value.message
