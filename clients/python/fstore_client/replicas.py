"""Spreading calls over several fstore servers (replicas of one deployment).

One gRPC channel whose target lists every address, gRPC's ``round_robin``
load balancing, and a retry policy that sends a read-only call that failed
with UNAVAILABLE (a replica that died or is restarting) to another replica.
Writes (Push, Materialize) are never retried. Same policy as the TypeScript
client's ``replicas.ts``.
"""

from __future__ import annotations

import json
import re
from typing import Optional, Sequence, Union

#: The read-only RPCs: safe to send again to another replica.
IDEMPOTENT_METHODS = (
    "GetOnlineFeatures",
    "GetHistoricalFeatures",
    "ValidateConsistency",
    "ListEntities",
    "ListFeatureViews",
    "ListFeatureServices",
    "GetFeatureView",
    "ListPermissions",
)

_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}:\d+$")
_IPV6 = re.compile(r"^\[[0-9a-fA-F:.]+\]:\d+$")


def channel_target(addresses: Union[str, Sequence[str]]) -> str:
    """The channel target for one address or several (comma-separated or a list).

    Several addresses must all be IPv4 or all IPv6 literals (an ``ipv4:``/``ipv6:``
    list gRPC balances over); for host names, use one DNS name resolving to every
    replica (``dns:///fstore.example:6566``).
    """
    items = addresses.split(",") if isinstance(addresses, str) else list(addresses)
    found = [a.strip() for a in items if a.strip()]
    if not found:
        raise ValueError("no server address given")
    if len(found) == 1:
        return found[0]
    if all(_IPV4.match(a) for a in found):
        return "ipv4:" + ",".join(found)
    if all(_IPV6.match(a) for a in found):
        return "ipv6:" + ",".join(found)
    raise ValueError(
        f"several addresses must all be IPv4 (1.2.3.4:6566) or all IPv6 ([::1]:6566), got {', '.join(found[:4])}: "
        "for host names, use one DNS name that resolves to every replica (dns:///fstore.example:6566)"
    )


def service_config(max_attempts: Optional[int] = 4, initial_backoff: float = 0.05, max_backoff: float = 1.0) -> str:
    """round_robin, and retries of the read-only calls on UNAVAILABLE (``max_attempts`` None: no retries)."""
    method_config = []
    if max_attempts is not None:
        method_config.append(
            {
                "name": [{"service": "fstore.v1.FeatureService", "method": m} for m in IDEMPOTENT_METHODS],
                "retryPolicy": {
                    "maxAttempts": min(5, max(2, max_attempts)),
                    "initialBackoff": f"{initial_backoff:.3f}s",
                    "maxBackoff": f"{max_backoff:.3f}s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        )
    return json.dumps({"loadBalancingConfig": [{"round_robin": {}}], "methodConfig": method_config})
