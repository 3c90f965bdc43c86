"""The one error type the client raises: every failed call carries its gRPC status."""

from __future__ import annotations

import grpc

#: Statuses worth retrying after a pause (a server or store briefly unavailable).
_RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED}


class FstoreError(Exception):
    """A failed fstore call.

    Attributes:
        code: the gRPC status code, e.g. ``grpc.StatusCode.NOT_FOUND``.
        message: the server's message, meant for humans.
        method: the RPC that failed, e.g. ``"GetOnlineFeatures"``.
    """

    def __init__(self, code: grpc.StatusCode, message: str, method: str = "") -> None:
        self.code = code
        self.message = message
        self.method = method
        prefix = f"{method}: " if method else ""
        super().__init__(f"{prefix}{code.name}: {message}")

    @property
    def code_name(self) -> str:
        """The status code's name, e.g. ``"NOT_FOUND"``."""
        return self.code.name

    @property
    def retryable(self) -> bool:
        """True for UNAVAILABLE and RESOURCE_EXHAUSTED."""
        return self.code in _RETRYABLE

    @classmethod
    def from_rpc_error(cls, err: grpc.RpcError, method: str) -> "FstoreError":
        """Wraps a grpcio error, keeping its status code and details."""
        code = err.code() if callable(getattr(err, "code", None)) else grpc.StatusCode.UNKNOWN
        details = err.details() if callable(getattr(err, "details", None)) else str(err)
        return cls(code or grpc.StatusCode.UNKNOWN, details or "", method)
