"""The values test/support/client-python-repo.ts writes, by hand: the tests' oracle."""

import datetime as dt

UTC = dt.timezone.utc
MAX = 2**63 - 1
MIN = -(2**63)
FEATURE_TIME = dt.datetime(2026, 1, 1, 10, tzinfo=UTC)
FEATURES = ["i32", "i64", "f32", "f64", "s", "b", "ok", "ts"]
FEATURES += ["i64s", "f64s", "ss", "i32s", "f32s", "oks", "bs", "tss"]

TYPED = {
    1: dict(i32=-(2**31), i64=MIN, f32=1.5, f64=-0.25, s="a", b=b"\x00\xff", ok=True,
            ts=dt.datetime(2026, 1, 1, tzinfo=UTC), i64s=[MAX, MIN], f64s=[0.5], ss=["x", "y"],
            i32s=[-(2**31), 2**31 - 1], f32s=[1.5], oks=[True, False], bs=[b"\x00", b"\xff"],
            tss=[dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(1970, 1, 1, tzinfo=UTC)]),
    2: dict(i32=2**31 - 1, i64=MAX, f32=-2.5, f64=1e300, s="Zürich", b=b"\x01", ok=False,
            ts=dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC), i64s=[], f64s=[1.0, 2.0], ss=[],
            i32s=[], f32s=[], oks=[], bs=[], tss=[]),
    3: {f: None for f in FEATURES},
    MAX: dict(i32=0, i64=0, f32=0.0, f64=0.0, s="", b=b"", ok=False, ts=None, i64s=[0], f64s=[], ss=[""],
              i32s=[0], f32s=[0.0], oks=[False], bs=[b""], tss=[dt.datetime(2000, 1, 1, tzinfo=UTC)]),
    MIN: dict(i32=7, i64=7, f32=7.0, f64=7.0, s="min", b=b"\x07", ok=True, ts=None, i64s=None, f64s=None, ss=None,
              i32s=None, f32s=None, oks=None, bs=None, tss=None),
}  # fmt: skip

CITY_TRIPS = {"paris": 10, "lyon": 20}
