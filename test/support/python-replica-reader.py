"""The Python client as a reader in the replica test (test/replicas.test.ts).

Reads online features through ``FeatureStoreClient`` given every replica's
address, with ``--in-flight`` calls always running (one thread each), and
checks every answer against the expected values. Driven over stdin, one
command a line: ``mark`` prints ``{"mark": <reads so far>}``; ``stop`` ends
the reads and prints the summary ``{"ok": n, "failures": [...]}``, each
failure ``{"at": ms since the epoch, "code": status name, "message": ...}``.
Every line out is JSON.

Usage: python3 python-replica-reader.py SPEC_JSON where SPEC_JSON holds
``addresses``, ``feature_service`` (the service read through), ``column`` (the
feature checked), ``join_key``, ``ids``, ``expected`` (the values, in ``ids``
order) and ``in_flight``.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "clients/python"), str(ROOT / "clients/python/gen")]

from fstore_client import FeatureStoreClient, FstoreError  # noqa: E402


def main() -> None:
    spec = json.loads(sys.argv[1])
    service = spec["feature_service"]
    column = spec["column"]
    ids = spec["ids"]
    expected = spec["expected"]
    lock = threading.Lock()
    state = {"ok": 0, "failures": []}
    stopping = threading.Event()

    def fail(code: str, message: str) -> None:
        failure = {"at": int(time.time() * 1000), "code": code, "message": message[:300]}
        with lock:
            if len(state["failures"]) < 50:
                state["failures"].append(failure)

    with FeatureStoreClient(spec["addresses"], timeout=20) as store:

        def reader() -> None:
            while not stopping.is_set():
                try:
                    got = store.get_online_features(
                        feature_service=service, entities={spec["join_key"]: ids}
                    ).to_dict()
                except FstoreError as err:
                    fail(err.code.name, str(err))
                    continue
                except Exception as err:  # noqa: BLE001 - any other failure is a failed read too
                    fail(type(err).__name__, str(err))
                    continue
                if got.get(column) != expected:
                    fail("WRONG_VALUES", f"{got.get(column)!r:.200}")
                    continue
                with lock:
                    state["ok"] += 1

        threads = [threading.Thread(target=reader, daemon=True) for _ in range(int(spec["in_flight"]))]
        for t in threads:
            t.start()
        print(json.dumps({"started": len(threads)}), flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "mark":
                with lock:
                    print(json.dumps({"mark": state["ok"]}), flush=True)
            elif command == "stop":
                break
        stopping.set()
        for t in threads:
            t.join(timeout=60)
    with lock:
        print(json.dumps({"ok": state["ok"], "failures": state["failures"]}), flush=True)


if __name__ == "__main__":
    main()
