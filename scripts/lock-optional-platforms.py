#!/usr/bin/env python3
# Run after any `npm install` that rewrites package-lock.json:
#   python3 scripts/lock-optional-platforms.py package-lock.json
"""Adds lock entries for platform-specific optional dependencies that this
npm leaves out (the registry mirror here lacks them), so `npm ci` accepts the
lock. Off-platform entries carry os/cpu so npm skips them without fetching."""
import json, re, sys
p = sys.argv[1]
lock = json.load(open(p))
pk = lock["packages"]
added = 0
def guess(name):
    n = name.split("/")[-1]
    os_ = next((o for o in ("android","darwin","win32","linux","freebsd","openbsd","netbsd","sunos","aix","openharmony") if o in n), None)
    cpu = next((c for c in ("arm64","x64","armv7","arm","ia32","ppc64","s390x","riscv64","loong64","mips64el") if re.search(r"(^|-)"+c+r"($|-)", n)), None)
    if cpu == "armv7": cpu = "arm"
    libc = "musl" if "musl" in n else None
    return os_, cpu, libc
for key, entry in list(pk.items()):
    for name, rng in (entry.get("optionalDependencies") or {}).items():
        top = "node_modules/" + name
        nested = (key + "/node_modules/" + name) if key else top
        if top in pk or nested in pk:
            continue
        if not re.fullmatch(r"\d+\.\d+\.\d+(-[\w.]+)?", rng):
            print("skip non-exact", name, rng); continue
        os_, cpu, libc = guess(name)
        e = {"version": rng}
        if cpu: e["cpu"] = [cpu]
        if entry.get("dev"): e["dev"] = True
        if libc: e["libc"] = [libc]
        e["optional"] = True
        if os_: e["os"] = [os_]
        pk[top] = e
        added += 1
lock["packages"] = dict(sorted(pk.items(), key=lambda kv: (kv[0] != "", kv[0])))
json.dump(lock, open(p, "w"), indent=2)
open(p, "a").write("\n")
print("added", added)
