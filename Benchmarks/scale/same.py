#!/usr/bin/env python3
"""Whether two bundles hold the same campaign, whatever their order: every list compared by code.
Exits 1 naming the first record that differs. Used by run.sh on the generated bundle and its export."""
import json
import sys


def norm(b):
    out = {"campaign": {k: v for k, v in b["campaign"].items() if k != "scoringPolicy"}}
    for key in ("units", "assets", "teams", "findings", "notices"):
        out[key] = {r["code"]: r for r in b.get(key) or []}
    for n in out["notices"].values():
        n["findings"] = sorted(n["findings"])
    for f in out["findings"].values():
        # Empty lists and absent ones mean the same.
        for k in ("shellPaths", "remediations"):
            if not f.get(k):
                f.pop(k, None)
    return out


a, b = (norm(json.load(open(p, encoding="utf-8"))) for p in sys.argv[1:3])
for key in a:
    if a[key] == b[key]:
        continue
    if key == "campaign":
        sys.exit("campaign differs: %r vs %r" % (a[key], b[key]))
    for code in sorted(set(a[key]) | set(b[key])):
        if a[key].get(code) != b[key].get(code):
            sys.exit("%s %s differs:\n  %r\n  %r" % (key, code, a[key].get(code), b[key].get(code)))
print("same campaign: %s" % ", ".join("%d %s" % (len(a[k]), k) for k in ("units", "assets", "teams", "findings", "notices")))
