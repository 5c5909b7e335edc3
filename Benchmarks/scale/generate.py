#!/usr/bin/env python3
"""Writes a province-scale campaign bundle (patrol.campaign.v1) for the scale benchmarks.

Deterministic: the same arguments give the same bytes. The default is the province of issue 20:
13 cities, 2,000 units, 50,000 assets, 20 teams and 200,000 findings in every state, with
remediation reports, retests, duplicates and one notice per unit and day. Addresses are reserved
example names (RFC 2606) and documentation ranges (RFC 5737 / RFC 3849), never real hosts.

    python3 Benchmarks/scale/generate.py --units 2000 --assets 50000 --findings 200000 > province.json

The findings list is written entry by entry, so the generator's memory stays small too (only the
notices, which need every notified finding's code, are held).
"""
import argparse
import datetime as dt
import json
import math
import random
import sys

CITIES = ["南京", "无锡", "徐州", "常州", "苏州", "南通", "连云港", "淮安", "盐城", "扬州", "镇江", "泰州", "宿迁"]
CATEGORIES = [("市级党政机关及其管理单位", "department", 55), ("市属国有企业", "department", 8),
              ("市群团组织", "department", 11), ("市主要新闻单位", "department", 2),
              ("辖市区", "district", 7), ("行业主管部门", "regulator", 3)]
KINDS = [("弱口令", "后台管理系统存在弱口令", "high", True, 0, False),
         ("SQL注入", "查询接口存在SQL注入，可获取数据库内容", "high", False, 0, False),
         ("SQL注入", "登录接口存在SQL注入，泄露公民个人信息", "critical", False, 12800, False),
         ("命令执行", "中间件反序列化漏洞导致远程命令执行", "critical", False, 0, True),
         ("未授权访问", "数据接口未授权访问，可遍历办事群众信息", "high", False, 2300, False),
         ("信息泄露", "网站备份文件可下载，泄露配置信息", "medium", False, 0, False),
         ("任意文件上传", "附件上传功能未校验类型，可上传 WebShell", "critical", False, 0, True),
         ("越权", "水平越权可查看他人申报材料", "medium", False, 460, False),
         ("XSS", "留言板存在存储型跨站脚本", "low", False, 0, False)]
# Every state a finding can be in, weighted roughly as at the end of a campaign's first week.
STATUSES = (["closed"] * 5 + ["remediated"] * 2 + ["notified"] * 3 + ["verified"] * 2
            + ["submitted", "needInfo", "rejected", "duplicate"])
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "强", "军", "洋", "勇", "杰", "涛", "明", "超", "建国", "海燕", "晓东"]
TZ = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 5, 11, tzinfo=TZ)


def at(hours):
    return (START + dt.timedelta(hours=hours)).isoformat()


def dump(value, indent):
    """One value as the canonical writer would indent it (the importer does not care; diffs do)."""
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
    return text.replace("\n", "\n" + " " * indent)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--code", default="JS2026")
    p.add_argument("--units", type=int, default=2000)
    p.add_argument("--assets", type=int, default=50000)
    p.add_argument("--teams", type=int, default=20)
    p.add_argument("--findings", type=int, default=200000)
    p.add_argument("--seed", type=int, default=2026)
    a = p.parse_args()
    if a.assets < a.units:
        p.error("--assets must be at least --units: every unit declares its portal")
    rng = random.Random(a.seed)
    out = sys.stdout
    w = out.write

    weights = [c[2] for c in CATEGORIES]
    units = []
    phone = 0
    for i in range(a.units):
        city = CITIES[i % len(CITIES)]
        category, group, _ = rng.choices(CATEGORIES, weights)[0]
        liaisons = []
        for _ in range(2 if rng.random() < 0.25 else 1):
            phone += 1
            liaisons.append({"name": rng.choice(SURNAMES) + rng.choice(GIVEN), "phone": "139%08d" % phone})
        units.append({"code": "U%04d" % (i + 1), "name": "%s市第%d单位" % (city, i // len(CITIES) + 1),
                      "category": category, "group": group, "liaisons": liaisons})

    # Every unit gets its portal, then the other assets are dealt at random.
    owners = [u["code"] for u in units] + [rng.choice(units)["code"] for _ in range(a.assets - a.units)]
    owners.sort()
    assets_of = {}
    w("{\n  \"assets\" : [")
    seq = {}
    for n, unit in enumerate(owners):
        seq[unit] = seq.get(unit, 0) + 1
        host = "%s.js.example" % unit.lower()
        k = seq[unit]
        if k == 1:
            kind, target, ports = "website", "https://www.%s/" % host, None
        elif k % 3 == 0:
            kind, target, ports = "ip", "198.51.%d.%d" % (n // 250 % 256, n % 250 + 1), "80,443"
        elif k % 3 == 1:
            kind, target, ports = "website", "https://app%d.%s/" % (k, host), None
        else:
            kind, target, ports = "domain", "svc%d.%s" % (k, host), None
        asset = {"code": "%s-%d" % (unit, k), "unit": unit, "kind": kind, "target": target,
                 "origin": "declared"}
        if ports:
            asset["ports"] = ports
        assets_of.setdefault(unit, []).append(asset["code"])
        w(("\n    " if n == 0 else ",\n    ") + dump(asset, 4))
    w("\n  ],\n")

    campaign = {"code": a.code, "name": "网安2026江苏省行动（规模测试）", "timeZone": "Asia/Shanghai",
                "startsAt": at(0), "endsAt": at(24 * 5), "state": "running"}
    w("  \"campaign\" : " + dump(campaign, 2) + ",\n")

    teams = [{"code": "T%02d" % (i + 1), "name": "检测%d队" % (i + 1), "company": "示例安全公司%d" % (i + 1),
              "state": "active"} for i in range(a.teams)]
    unit_codes = [u["code"] for u in units]
    notices = {}
    counted = []  # (code, unit) of findings a duplicate may point at
    w("  \"findings\" : [")
    for n in range(a.findings):
        code = "F%06d" % (n + 1)
        unit = rng.choice(unit_codes)
        ktype, title, severity, weak, records, shell = rng.choice(KINDS)
        status = rng.choice(STATUSES)
        if status == "duplicate" and not counted:
            status = "submitted"
        team = rng.choice(teams)["code"]
        submitted = rng.randrange(1, 110) + 0.25
        f = {"code": code, "unit": unit, "asset": rng.choice(assets_of[unit]), "team": team, "kind": "vulnerability",
             "severity": severity, "type": ktype, "weakPassword": weak, "sensitiveRecords": records,
             "title": title, "description": "%s的资产存在问题：%s。" % (unit, title),
             "reproduction": "1. 访问目标\n2. 按附件步骤复现",
             "shellPaths": ["/upload/%s_%s.jsp" % (team.lower(), code.lower())] if shell else [],
             "status": status, "submittedAt": at(submitted), "remediations": []}
        if status == "duplicate":
            f["duplicateOf"] = rng.choice(counted[-500:])
        if status == "needInfo":
            f["reviewNote"] = "请补充复现截图及请求报文。"
        if status == "rejected":
            f["reviewNote"] = "经核实不在检测范围内。"
        if status in ("verified", "notified", "remediated", "closed"):
            f["verifiedAt"] = at(submitted + 1.5)
            counted.append(code)
        if status in ("notified", "remediated", "closed"):
            # One notice per unit and day, issued at 20:00, the first evening at least three hours
            # after the submission.
            day = math.ceil((submitted + 3 - 20) / 24)
            notified = day * 24 + 20.0
            f["notifiedAt"] = at(notified)
            notices.setdefault((unit, day), []).append(code)
            fix = rng.choice([6.0, 20, 30, 44, 60, 70, 90])
            shells = f["shellPaths"]
            if status == "closed":
                if rng.random() < 0.25:
                    f["remediations"].append({"submittedAt": at(notified + fix / 2), "description": "已修改配置。",
                                              "shellsDeleted": shells, "retest": "failed",
                                              "retestReason": "复测仍可复现。", "retestedAt": at(notified + fix / 2 + 2)})
                f["remediations"].append({"submittedAt": at(notified + fix), "description": "已完成整改。",
                                          "shellsDeleted": shells, "retest": "passed", "retestedAt": at(notified + fix + 4)})
            elif status == "remediated":
                f["remediations"].append({"submittedAt": at(notified + fix), "description": "已删除上传文件并加固。",
                                          "shellsDeleted": shells})
        w(("\n    " if n == 0 else ",\n    ") + dump(f, 4))
    w("\n  ],\n")
    w("  \"format\" : \"patrol.campaign.v1\",\n")

    notice_list = []
    per_unit = {}
    for (unit, day) in sorted(notices):
        per_unit[unit] = per_unit.get(unit, 0) + 1
        notice_list.append({"code": "%s-%s-%03d" % (a.code, unit, per_unit[unit]), "unit": unit,
                            "issuedAt": at(day * 24 + 20.0), "findings": notices[(unit, day)]})
    w("  \"notices\" : " + dump(notice_list, 2) + ",\n")
    w("  \"teams\" : " + dump(teams, 2) + ",\n")
    w("  \"units\" : " + dump(units, 2) + "\n}\n")


if __name__ == "__main__":
    main()
