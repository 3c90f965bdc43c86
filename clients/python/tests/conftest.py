"""A real fstore server on loopback for the client's tests.

Each server gets its own repository (test/support/client-python-repo.ts writes it:
every value type, int64 extremes, nulls) and runs as ``node bin/fstore.js serve``
on a free port read from its first log line; it is stopped with SIGTERM by pid.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path[:0] = [str(HERE.parent), str(HERE.parent / "gen")]

from fstore_client import FeatureStoreClient  # noqa: E402

NODE = os.environ.get("NODE", shutil.which("node") or "node")


@dataclass
class Server:
    address: str
    repo: Path
    cert_path: Optional[Path]
    process: subprocess.Popen


def _start(token: Optional[str] = None, tls: bool = False, permissions: bool = False) -> Server:
    args = [NODE, str(ROOT / "bin/run-ts.js"), str(ROOT / "test/support/client-python-repo.ts")]
    if token:
        args += ["--token", token]
    if tls:
        args.append("--tls")
    if permissions:
        # Permissions and two tokens with roles: "admin-token" (admin), "reader-token" (reader).
        args.append("--permissions")
    made = json.loads(subprocess.run(args, check=True, capture_output=True, text=True, timeout=120).stdout)
    repo = Path(made["path"])
    process = subprocess.Popen(
        [NODE, str(ROOT / "bin/fstore.js"), "serve", "--repo", str(repo)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    address = None
    seen = []
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("msg") == "fstore serving":
            address = entry["address"]
            break
    if address is None:
        process.kill()
        raise RuntimeError(f"fstore serve did not start: {''.join(seen[-20:])}")
    # Keep draining the log so the server never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    return Server(address, repo, Path(made["certPath"]) if made["certPath"] else None, process)


def _stop(server: Server) -> None:
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    shutil.rmtree(server.repo, ignore_errors=True)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    s = _start()
    yield s
    _stop(s)


@pytest.fixture(scope="session")
def secure_server() -> Iterator[Server]:
    s = _start(token="s3cret", tls=True)
    yield s
    _stop(s)


@pytest.fixture(scope="session")
def permissioned_server() -> Iterator[Server]:
    s = _start(permissions=True)
    yield s
    _stop(s)


@pytest.fixture(scope="session")
def client(server: Server) -> Iterator[FeatureStoreClient]:
    with FeatureStoreClient(server.address, timeout=60) as c:
        yield c


@pytest.fixture(scope="session")
def materialized(client: FeatureStoreClient) -> list:
    """The repository materialized once (the online tests read what this wrote)."""
    return list(client.materialize("2025-01-01T00:00:00Z", "2026-01-02T00:00:00Z", progress=False))
