"""GetHistoricalFeatures into a DataFrame: values, dtypes, summary, Parquet output."""

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from expected import FEATURE_TIME, FEATURES, MAX, MIN, TYPED, UTC
from fstore_client import FeatureStoreClient, FstoreError, HistoricalSummary

REFS = [f"typed:{f}" for f in FEATURES]
DTYPES = {
    "driver_id": "Int64",
    "event_timestamp": "datetime64[ns, UTC]",
    "i32": "Int32",
    "i64": "Int64",
    "f32": "float32",
    "f64": "float64",
    "s": "string",
    "b": "object",
    "ok": "boolean",
    "ts": "datetime64[ns, UTC]",
    "i64s": "object",
    "f64s": "object",
    "ss": "object",
}
ROWS = [  # driver_id, entity time, matches the 10:00 feature row?
    (1, dt.datetime(2026, 1, 1, 11, tzinfo=UTC), True),
    (2, dt.datetime(2026, 1, 1, 9, tzinfo=UTC), False),
    (3, dt.datetime(2026, 1, 2, tzinfo=UTC), True),
    (MAX, dt.datetime(2026, 1, 2, tzinfo=UTC), True),
    (MIN, dt.datetime(2026, 1, 2, tzinfo=UTC), True),
    (42, dt.datetime(2026, 1, 2, tzinfo=UTC), False),
]


def _expected(driver_id: int, matched: bool, feature: str):
    return TYPED[driver_id][feature] if matched else None


def _plain(x):
    """A DataFrame cell as a plain Python value (None for NA) to compare with the oracle."""
    if x is pd.NA or x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NaT:
        return None
    if isinstance(x, pd.Timestamp):
        return x.to_pydatetime()
    if isinstance(x, (np.floating, np.integer, np.bool_)):
        return x.item()
    return x


@pytest.fixture(scope="module")
def entity_df() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "driver_id": pd.array([r[0] for r in ROWS], dtype="Int64"),
            # Naive times are UTC.
            "event_timestamp": [r[1].replace(tzinfo=None) for r in ROWS],
            "label": [1.5, 2.5, 3.5, 4.5, 5.5, 6.5],
        }
    )


def test_training_set_values_and_dtypes(client: FeatureStoreClient, entity_df: pd.DataFrame) -> None:
    df = client.get_historical_features(entity_df, REFS, batch_size=2)
    assert list(df.columns) == ["driver_id", "event_timestamp", "label", *FEATURES]
    assert {c: str(df[c].dtype) for c in DTYPES} == DTYPES
    assert str(df["label"].dtype) == "float64"
    assert df["driver_id"].tolist() == [r[0] for r in ROWS]
    assert [t.to_pydatetime() for t in df["event_timestamp"]] == [r[1] for r in ROWS]
    for feature in FEATURES:
        got = [_plain(x) for x in df[feature]]
        assert got == [_expected(r[0], r[2], feature) for r in ROWS], feature
    assert df["i64"].isna().tolist() == [False, True, True, False, False, True]
    assert df["s"].isna().tolist() == [False, True, True, False, False, True]


def test_summary_is_attached(client: FeatureStoreClient, entity_df: pd.DataFrame) -> None:
    df = client.get_historical_features(entity_df, REFS, include_feature_timestamps=True)
    summary: HistoricalSummary = df.attrs["summary"]
    assert summary.row_count == 6
    assert summary.matched_rows == {"typed": 4}
    assert summary.leakage_violations == 0 and summary.leakage_passed
    assert summary.schema["i64"] == "INT64" and summary.schema["ts"] == "UNIX_TIMESTAMP"
    times = df["typed__event_timestamp"]
    assert str(times.dtype) == "datetime64[ns, UTC]"
    assert [None if pd.isna(t) else t.to_pydatetime() for t in times] == [
        FEATURE_TIME if r[2] else None for r in ROWS
    ]


def test_entity_source_service_and_strict(client: FeatureStoreClient) -> None:
    df = client.get_historical_features(
        entity_source="labels", feature_service="typed_svc", full_feature_names=True
    )
    assert df.columns[:3].tolist() == ["driver_id", "event_timestamp", "label"]
    assert str(df["label"].dtype) == "boolean"
    assert df["driver_id"].tolist() == [1, 2, 3, MAX]
    assert df["typed__i64"].tolist()[:1] == [MIN]
    assert df.attrs["summary"].matched_rows == {"typed": 3}
    ranged = client.get_historical_features(
        entity_source="labels",
        features=["typed:i64"],
        start="2026-01-01T10:30:00Z",
        end="2026-01-01T12:00:00Z",
    )
    assert ranged["driver_id"].tolist() == [1]


def test_empty_training_set_keeps_dtypes(client: FeatureStoreClient) -> None:
    df = client.get_historical_features(
        entity_source="labels", features=["typed:i64", "typed:s"], start="2030-01-01T00:00:00Z"
    )
    assert len(df) == 0
    assert str(df["i64"].dtype) == "Int64" and str(df["s"].dtype) == "string"


def test_parquet_output(client: FeatureStoreClient, server) -> None:
    summary = client.write_historical_features(
        "sets/train.parquet", entity_source="labels", feature_service="typed_svc"
    )
    assert summary.row_count == 4 and summary.leakage_violations == 0
    path = Path(summary.output_path)
    assert path == server.repo / "out" / "sets" / "train.parquet"
    data = path.read_bytes()
    assert data[:4] == b"PAR1" and data[-4:] == b"PAR1"
    assert list(summary.schema)[:3] == ["driver_id", "event_timestamp", "label"]


def test_historical_errors(client: FeatureStoreClient, entity_df: pd.DataFrame) -> None:
    with pytest.raises(FstoreError) as err:
        client.get_historical_features(entity_df, ["typed:nope"])
    assert err.value.code_name == "NOT_FOUND" and 'feature "nope"' in err.value.message
    with pytest.raises(ValueError, match="event_timestamp"):
        client.get_historical_features(entity_df.drop(columns=["event_timestamp"]), REFS)
    with pytest.raises(FstoreError) as err:
        client.write_historical_features("../escape.parquet", entity_source="labels", features=REFS)
    assert err.value.code_name == "PERMISSION_DENIED"
