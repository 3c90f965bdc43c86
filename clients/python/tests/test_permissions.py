"""list_permissions against a real server whose repository defines permissions."""

from __future__ import annotations

import pytest

from fstore_client import FeatureStoreClient, FstoreError


def test_list_permissions_as_admin_shows_every_field(permissioned_server) -> None:
    with FeatureStoreClient(permissioned_server.address, token="admin-token", timeout=60) as c:
        permissions = c.list_permissions()
    assert [p.name for p in permissions] == ["admin", "ml_read"]
    admin, ml_read = permissions
    # Written without types or actions: every type and every action.
    assert "FeatureView" in admin.types and "Permission" in admin.types
    assert "DESCRIBE" in admin.actions and "WRITE_ONLINE" in admin.actions
    assert list(admin.roles) == ["admin"]
    assert sorted(ml_read.types) == ["FeatureService", "FeatureView"]
    assert list(ml_read.name_patterns) == ["typed.*"]
    assert dict(ml_read.required_tags) == {"team": "ml"}
    assert list(ml_read.actions) == ["READ_ONLINE", "READ_OFFLINE"]
    assert list(ml_read.roles) == ["reader"]
    assert ml_read.meta.created_timestamp.seconds > 0


def test_list_permissions_is_filtered_to_what_the_caller_may_describe(permissioned_server) -> None:
    with FeatureStoreClient(permissioned_server.address, token="reader-token", timeout=60) as c:
        assert c.list_permissions() == []
        # The reader may still read what ml_read grants it: the view's online values.
        assert c.get_online_features(features=["typed:i64"], entities={"driver_id": [1]}).to_dict()["driver_id"] == [1]
        with pytest.raises(FstoreError) as err:
            c.get_online_features(features=["city_stats:trips"], entities={"city": ["paris"]})
    assert err.value.code_name == "PERMISSION_DENIED"
