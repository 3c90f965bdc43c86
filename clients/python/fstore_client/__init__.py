"""fstore's Python client: online features as dicts, training sets as pandas DataFrames.

>>> from fstore_client import FeatureStoreClient
>>> with FeatureStoreClient("127.0.0.1:6566") as store:
...     df = store.get_historical_features(entity_df, features=["vehicle_features:num_images"])
"""

from .client import FeatureStoreClient, MaterializeEvent, MaterializeProgress, MaterializeSummary
from .errors import FstoreError
from .historical import HistoricalSummary
from .online import OnlineResponse
from .replicas import IDEMPOTENT_METHODS, channel_target

__all__ = [
    "FeatureStoreClient",
    "FstoreError",
    "HistoricalSummary",
    "MaterializeEvent",
    "MaterializeProgress",
    "MaterializeSummary",
    "OnlineResponse",
    "IDEMPOTENT_METHODS",
    "channel_target",
]
