"""Writes a small campaign bundle whose testing window is open now (CI2026, units D02 and D06,
team T01), for the browser flow of the finding lifecycle. Usage: running_campaign.py FILE"""
import datetime
import json
import sys

tz = datetime.timezone(datetime.timedelta(hours=8))
now = datetime.datetime.now(tz).replace(microsecond=0)
iso = lambda d: d.isoformat()
bundle = {
    "format": "patrol.campaign.v1",
    "campaign": {"code": "CI2026", "name": "浏览器测试行动", "timeZone": "Asia/Shanghai",
                 "startsAt": iso(now - datetime.timedelta(days=1)), "endsAt": iso(now + datetime.timedelta(days=4)),
                 "state": "running"},
    "units": [
        {"code": "D02", "name": "金坛区", "category": "辖市区", "group": "district",
         "liaisons": [{"name": "测试联络员", "phone": "13900000002"}]},
        {"code": "D06", "name": "钟楼区", "category": "辖市区", "group": "district",
         "liaisons": [{"name": "测试联络员乙", "phone": "13900000006"}]},
    ],
    "assets": [
        {"code": "D02-W1", "unit": "D02", "kind": "website", "target": "https://www.d02.ci.example/", "origin": "declared"},
        {"code": "D06-W1", "unit": "D06", "kind": "website", "target": "https://www.d06.ci.example/", "origin": "declared"},
        # The Patrol server itself on loopback, so the gateway flow has a real in-scope target.
        {"code": "D06-GW", "unit": "D06", "kind": "ip", "target": "127.0.0.1", "ports": "8099", "origin": "declared"},
    ],
    "teams": [{"code": "T01", "name": "检测一队"}],
    "findings": [],
}
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump(bundle, f, ensure_ascii=False)
