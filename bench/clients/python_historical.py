"""One training set through the Python client, for bench/clients.bench.ts.

    /usr/bin/python3 bench/clients/python_historical.py ADDRESS FEATURE_REF...

Prints one JSON line: seconds, rows, the DataFrame's own size (memory_usage(deep=True)),
this process's peak RSS (VmHWM) and CPU seconds.
"""

import json
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "clients/python"), str(ROOT / "clients/python/gen")]

from fstore_client import FeatureStoreClient  # noqa: E402


def vm_hwm() -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", text).group(1)) * 1024


def main() -> None:
    address, refs = sys.argv[1], sys.argv[2:]
    rss_before = vm_hwm()
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    with FeatureStoreClient(address, timeout=600) as store:
        df = store.get_historical_features(entity_source="vehicle_labels", features=refs, batch_size=50_000)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage.ru_utime - usage0.ru_utime) + (usage.ru_stime - usage0.ru_stime)
    print(json.dumps({
        "seconds": seconds,
        "rows": len(df),
        "columns": len(df.columns),
        "dtypes": {c: str(t) for c, t in df.dtypes.items()},
        "violations": df.attrs["summary"].leakage_violations,
        "df_bytes": int(df.memory_usage(deep=True).sum()),
        "rss": vm_hwm(),
        "rss_before": rss_before,
        "cpu": cpu,
    }))


if __name__ == "__main__":
    main()
