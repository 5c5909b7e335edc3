#!/usr/bin/env python3
"""Page and API latencies of a served province campaign (issue 20, item 3).

    python3 Benchmarks/scale/pages.py --base http://127.0.0.1:8099 --user NAME --password-env VAR \\
        --campaign JS2026 [--runs 20]

Signs in as an admin through the login form (CSRF field and session cookie, as a browser does)
and through the API (bearer token, for the API rows), then asks each page `runs` times in a row on one keep-alive connection after one warm-up request:
one client, closed loop, so the figures are each page's own service time with nothing queued
in front of it. Prints p50, p95 and max in milliseconds next to the page's budget and the size
of the answer. Every answer must be 200.
"""
import argparse
import http.client
import os
import re
import statistics
import sys
import time
import urllib.parse

p = argparse.ArgumentParser()
p.add_argument("--base", required=True)
p.add_argument("--user", required=True)
p.add_argument("--password-env", required=True)
p.add_argument("--campaign", required=True)
p.add_argument("--runs", type=int, default=20)
a = p.parse_args()
url = urllib.parse.urlparse(a.base)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
cookies = {}


def request(method, path, body=None, headers=None):
    h = dict(headers or {})
    if cookies:
        h["Cookie"] = "; ".join("%s=%s" % kv for kv in cookies.items())
    conn.request(method, path, body=body, headers=h)
    res = conn.getresponse()
    data = res.read()
    for k, v in res.getheaders():
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            cookies[name] = rest.split(";")[0]
    return res.status, res.getheader("Location"), data


status, _, page = request("GET", "/login")
csrf = re.search(rb'name="_csrf" value="([^"]+)"', page).group(1).decode()
form = urllib.parse.urlencode({"_csrf": csrf, "username": a.user, "password": os.environ[a.password_env], "next": "/"})
status, _, _ = request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
assert status in (302, 303), "sign-in answered %d" % status
# The API takes a bearer token, not the session cookie.
import json
status, _, body = request("POST", "/api/v1/auth/login", json.dumps({"username": a.user, "password": os.environ[a.password_env]}),
                          {"Content-Type": "application/json"})
assert status == 200, "API sign-in answered %d" % status
bearer = {"Authorization": "Bearer " + json.loads(body)["token"]}

c = "/campaigns/" + a.campaign
api = "/api/v1/campaigns/" + a.campaign
_, _, findings = request("GET", c + "/findings")
finding = re.search(rb'href="(' + re.escape(c.encode()) + rb'/findings/[^"/]+)"', findings).group(1).decode()
pages = [
    ("campaign overview", c, 100),
    ("findings list", c + "/findings", 50),
    ("findings, last page", c + "/findings?page=4000", 50),
    ("findings by severity", c + "/findings?sort=severity", 50),
    ("findings, keyword", c + "/findings?q=SQL", 50),
    ("review queue", c + "/findings?status=submitted", 50),
    ("finding page", finding, 50),
    ("units list", c + "/units", 50),
    ("unit page", c + "/units/U0001", 50),
    ("assets list", c + "/assets", 50),
    ("notices list", c + "/notices", 50),
    ("score card", c + "/scores/U0001", 50),
    ("ranking", c + "/scores", 300),
    ("users", "/admin/users", 50),
    ("SMS outbox", "/admin/sms", 50),
    ("audit log", "/admin/audit", 50),
    ("API findings, 100", api + "/findings?limit=100", 50),
    ("API units, 100", api + "/units?limit=100", 50),
    ("API assets, 100", api + "/assets?limit=100", 50),
    ("API notices, 100", api + "/notices?limit=100", 50),
]
print("%-24s %8s %8s %8s %8s %9s" % ("page", "p50 ms", "p95 ms", "max ms", "budget", "bytes"))
failed = False
for name, path, budget in pages:
    headers = bearer if path.startswith("/api/") else None
    status, _, body = request("GET", path, headers=headers)
    if status != 200:
        print("%-24s answered %d" % (name, status)); failed = True; continue
    times = []
    for _ in range(a.runs):
        t = time.perf_counter()
        status, _, body = request("GET", path, headers=headers)
        times.append((time.perf_counter() - t) * 1000)
        assert status == 200, (path, status)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    mark = "" if p95 < budget else "  over"
    print("%-24s %8.1f %8.1f %8.1f %8d %9d%s" % (name, statistics.median(times), p95, times[-1], budget, len(body), mark))
sys.exit(1 if failed else 0)
