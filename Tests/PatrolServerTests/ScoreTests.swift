import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// Scores through the store, the API and the pages: a hand-computed bundle scored identically on
/// every database, publication that freezes the sheet, and who may see what.
final class ScoreTests: XCTestCase {
    let context = AuditContext(actorID: nil, actor: "test", clientAddress: "local")

    /// Hand-computed (SPEC §5, default policy), scored at 2022-05-31:
    /// - A (1 asset): F1 high + weak password, fixed 32 h after notice (report failed, then passed) → −1;
    ///   F2 high, notified, never fixed → −5. points 160 = the base ratio 160/1, so 55 × (1 − 1) = 0.
    ///   5 + 0 + (25 − 5) + 15 − 6 = 34.00
    /// - B (1 asset): F3 medium (20) with 500 records, fixed exactly 24 h after notice → 0.
    ///   55 × (1 − (20/1) ÷ (160/1)) = 48.125 → 48.13; 5 + 48.13 + 25 + (15 − 5) = 88.13
    /// - C (0 assets): F4 asset discrepancy → 4 + 55 + 25 + 15 = 99.00
    /// - D (2 assets): F5 critical but rejected (not counted); F6 intrusion, notified, unfixed → −5.
    ///   5 + 55 + (25 − 5) + 15 − 5 = 90.00
    static let bundle = """
    {"format": "patrol.campaign.v1",
     "campaign": {"code": "SC1", "name": "评分测试<script>", "timeZone": "Asia/Shanghai",
                  "startsAt": "2022-05-16T00:00:00+08:00", "endsAt": "2022-05-21T00:00:00+08:00",
                  "scoredAt": "2022-05-31T00:00:00+08:00", "state": "closed"},
     "units": [{"code": "A", "name": "甲单位", "category": "辖市区", "group": "district", "liaisons": [{"name": "张三", "phone": "13800000001"}]},
               {"code": "B", "name": "乙单位<b>", "category": "辖市区", "group": "district", "liaisons": []},
               {"code": "C", "name": "丙单位", "category": "市级党政机关及其管理单位", "group": "regulator", "liaisons": []},
               {"code": "D", "name": "丁单位", "category": "市属国有企业", "group": "department", "liaisons": []}],
     "assets": [{"code": "A-1", "unit": "A", "kind": "website", "target": "https://a.example.gov.cn/", "origin": "declared"},
                {"code": "B-1", "unit": "B", "kind": "domain", "target": "b.example.gov.cn", "origin": "declared"},
                {"code": "D-1", "unit": "D", "kind": "ip", "target": "192.0.2.10", "origin": "declared"},
                {"code": "D-2", "unit": "D", "kind": "ip", "target": "192.0.2.11", "origin": "discovered"}],
     "teams": [{"code": "T01", "name": "检测一队"}, {"code": "T02", "name": "检测二队"}],
     "findings": [
      {"code": "F1", "unit": "A", "asset": "A-1", "team": "T01", "kind": "vulnerability", "severity": "high", "weakPassword": true,
       "sensitiveRecords": 0, "title": "后台弱口令", "status": "closed", "submittedAt": "2022-05-16T10:00:00+08:00",
       "notifiedAt": "2022-05-16T12:00:00+08:00",
       "remediations": [{"submittedAt": "2022-05-17T09:00:00+08:00", "retest": "failed"},
                        {"submittedAt": "2022-05-17T20:00:00+08:00", "retest": "passed"}]},
      {"code": "F2", "unit": "A", "asset": "A-1", "team": "T02", "kind": "vulnerability", "severity": "high",
       "title": "SQL注入", "status": "notified", "submittedAt": "2022-05-16T11:00:00+08:00", "notifiedAt": "2022-05-16T12:00:00+08:00"},
      {"code": "F3", "unit": "B", "asset": "B-1", "team": "T01", "kind": "vulnerability", "severity": "medium", "sensitiveRecords": 500,
       "title": "信息泄露", "status": "closed", "submittedAt": "2022-05-16T20:00:00+08:00", "notifiedAt": "2022-05-17T00:00:00+08:00",
       "remediations": [{"submittedAt": "2022-05-18T00:00:00+08:00", "retest": "passed"}]},
      {"code": "F4", "unit": "C", "team": "T02", "kind": "assetDiscrepancy", "title": "未报送资产", "status": "verified",
       "submittedAt": "2022-05-17T10:00:00+08:00"},
      {"code": "F5", "unit": "D", "asset": "D-1", "team": "T01", "kind": "vulnerability", "severity": "critical",
       "title": "误报", "status": "rejected", "submittedAt": "2022-05-17T10:00:00+08:00"},
      {"code": "F6", "unit": "D", "asset": "D-2", "team": "T02", "kind": "intrusion", "title": "发现webshell", "status": "notified",
       "submittedAt": "2022-05-17T11:00:00+08:00", "notifiedAt": "2022-05-18T00:00:00+08:00"}]}
    """

    static let expected: [String: (total: String, rank: Int, groupRank: Int, parts: [String])] = [
        "A": ("34.00", 4, 2, ["5.00", "0.00", "20.00", "15.00", "6.00"]),
        "B": ("88.13", 3, 1, ["5.00", "48.13", "25.00", "10.00", "0.00"]),
        "C": ("99.00", 1, 1, ["4.00", "55.00", "25.00", "15.00", "0.00"]),
        "D": ("90.00", 2, 1, ["5.00", "55.00", "20.00", "15.00", "5.00"]),
    ]

    func load(_ app: Application) async throws {
        let checked = try BundleValidator.check(try CampaignBundle.decode(Data(Self.bundle.utf8)))
        _ = try await BundleImporter.importBundle(checked, replace: false, on: app.db, context: context)
    }

    func checkRows(_ rows: [ScoreSheetDocument.Row], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(rows.map(\.unit), ["C", "D", "B", "A"], file: file, line: line)
        for row in rows {
            let e = Self.expected[row.unit]!
            XCTAssertEqual(row.total.description, e.total, row.unit, file: file, line: line)
            XCTAssertEqual(row.rank, e.rank, row.unit, file: file, line: line)
            XCTAssertEqual(row.groupRank, e.groupRank, row.unit, file: file, line: line)
            XCTAssertEqual([row.asset, row.vulnerability, row.protection, row.data, row.remediation].map(\.description), e.parts,
                           row.unit, file: file, line: line)
        }
    }

    func testHandComputedBundleScoresTheSameOnEveryDatabase() async throws {
        // The engine on the bundle itself, then through each database: the same sheet.
        let checked = try BundleValidator.check(try CampaignBundle.decode(Data(Self.bundle.utf8)))
        let direct = try ScoringEngine.score(ScoringInput(bundle: checked))
        checkRows(ScoreSheetDocument(campaign: "SC1", sheet: direct, timeZone: checked.campaign.timeZone).units)
        try await withEachDatabase { app, location in
            try await self.load(app)
            let campaign = try await Campaign.find(code: "SC1", on: app.db)!
            let sheet = try await ScoringData.sheet(for: campaign, on: app.db)
            XCTAssertEqual(sheet, direct, "database \(location.redacted)")
            let b = sheet.unit("B")!
            XCTAssertEqual(b.formula.text, "55 × (1 − (20/1) ÷ (160/1)) = 48.125 → 48.13")
            let a = sheet.unit("A")!
            XCTAssertEqual(a.lines.map(\.rule.code), ["vulnerability.high", "protection.weakPassword", "remediation.within48h",
                                                      "vulnerability.high", "remediation.unfixed"])
            XCTAssertEqual(a.lines.map(\.finding), ["F1", "F1", "F1", "F2", "F2"])
            XCTAssertEqual(sheet.unit("B")!.lines.map(\.rule.code), ["vulnerability.medium", "data.sensitiveRecords", "remediation.within24h"])

            // --at before the unfixed mark: F2 and F6 are pending, not deducted.
            let early = try await ScoringData.sheet(for: campaign, at: BundleDate.parse("2022-05-18T00:00:00+08:00"), on: app.db)
            XCTAssertEqual(early.unit("A")!.remediation.description, "1.00")
            XCTAssertEqual(early.unit("A")!.pendingCount, 1)
            XCTAssertEqual(early.unit("D")!.total.description, "95.00")
        }
    }

    func testAPIAndPublicationForEachRole() async throws {
        try await withEachDatabase { app, _ in
            try await self.load(app)
            try await app.makeUser("s-admin", .admin)
            try await app.makeUser("s-observer", .observer)
            try await app.makeUser("s-tester", .tester, team: "T01")
            try await app.makeUser("s-liaison", .liaison, unit: "B")
            func auth(_ user: String) async throws -> HTTPHeaders {
                ["Authorization": "Bearer \(try await app.token(for: user, kind: .api))"]
            }
            let admin = try await auth("s-admin"), observer = try await auth("s-observer")
            let tester = try await auth("s-tester"), liaison = try await auth("s-liaison")

            try await app.test(.GET, "/api/v1/campaigns/SC1/scores", headers: observer) { res async throws in
                XCTAssertEqual(res.status, .ok)
                let body = try res.content.decode(ScoreController.SheetResponse.self)
                XCTAssertFalse(body.published)
                XCTAssertEqual(body.scoredAt, "2022-05-31T00:00:00+08:00")
                self.checkRows(body.units)
            }
            // Scores as strings with two decimals.
            try await app.test(.GET, "/api/v1/campaigns/SC1/scores/B", headers: admin) { res async throws in
                XCTAssertTrue(res.body.string.contains("\"vulnerability\":\"48.13\""))
                XCTAssertTrue(res.body.string.contains("48.125"))
            }
            // Before publication: the liaison sees nothing, testers never.
            for path in ["/api/v1/campaigns/SC1/scores", "/api/v1/campaigns/SC1/scores/B"] {
                try await app.test(.GET, path, headers: liaison) { res async throws in XCTAssertEqual(res.status, .forbidden, path) }
                try await app.test(.GET, path, headers: tester) { res async throws in XCTAssertEqual(res.status, .forbidden, path) }
            }
            try await app.test(.GET, "/api/v1/campaigns/SC1/scores/A", headers: liaison) { res async throws in
                XCTAssertEqual(res.status, .notFound)
            }
            // Only the admin publishes.
            try await app.test(.POST, "/api/v1/campaigns/SC1/scores/publish", headers: observer) { res async throws in
                XCTAssertEqual(res.status, .forbidden)
            }
            try await app.test(.POST, "/api/v1/campaigns/SC1/scores/publish", headers: admin) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertTrue(try res.content.decode(ScoreController.SheetResponse.self).published)
            }
            try await app.test(.POST, "/api/v1/campaigns/SC1/scores/publish", headers: admin) { res async throws in
                XCTAssertEqual(res.status, .conflict, "publishing twice")
            }
            let events = try await AuditEvent.query(on: app.db).filter(\.$action == "scores.publish").count()
            XCTAssertEqual(events, 1)

            // After publication: the liaison sees exactly their own unit.
            try await app.test(.GET, "/api/v1/campaigns/SC1/scores", headers: liaison) { res async throws in
                XCTAssertEqual(res.status, .ok)
                let body = try res.content.decode(ScoreController.SheetResponse.self)
                XCTAssertEqual(body.units.map(\.unit), ["B"])
                XCTAssertFalse(res.body.string.contains("甲单位"))
            }
            try await app.test(.GET, "/api/v1/campaigns/SC1/scores/B", headers: liaison) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertEqual(try res.content.decode(ScoreController.UnitResponse.self).score.total.description, "88.13")
            }
            try await app.test(.GET, "/api/v1/campaigns/SC1/scores/A", headers: liaison) { res async throws in
                XCTAssertEqual(res.status, .notFound)
            }
            try await app.test(.GET, "/api/v1/campaigns/SC1/scores", headers: tester) { res async throws in
                XCTAssertEqual(res.status, .forbidden)
            }

            // Published scores are frozen: a later change to the data does not move them …
            let f2 = try await Finding.query(on: app.db).filter(\.$code == "F2").first()!
            f2.status = .rejected
            try await f2.save(on: app.db)
            try await app.test(.GET, "/api/v1/campaigns/SC1/scores/A", headers: observer) { res async throws in
                XCTAssertEqual(try res.content.decode(ScoreController.UnitResponse.self).score.total.description, "34.00")
            }
            // … and the policy cannot change while they are published.
            try await app.test(.PUT, "/api/v1/campaigns/SC1/scoring-policy", headers: admin, beforeRequest: { req async throws in
                try req.content.encode(ScoringPolicy.standard, as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .conflict) }
        }
    }

    func testPolicyEditsAreValidatedAndChangeTheScores() async throws {
        try await withEachDatabase { app, _ in
            try await self.load(app)
            try await app.makeUser("s-admin", .admin)
            try await app.makeUser("s-reviewer", .reviewer)
            let admin: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "s-admin", kind: .api))"]
            let reviewer: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "s-reviewer", kind: .api))"]
            var bad = ScoringPolicy.standard
            bad.assetMax = 10
            try await app.test(.PUT, "/api/v1/campaigns/SC1/scoring-policy", headers: admin, beforeRequest: { req async throws in
                try req.content.encode(bad, as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.string.contains("100"), res.body.string)
            }
            try await app.test(.PUT, "/api/v1/campaigns/SC1/scoring-policy", headers: reviewer, beforeRequest: { req async throws in
                try req.content.encode(ScoringPolicy.standard, as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .forbidden) }

            // Medium vulnerabilities worth 40: B's ratio 40/1 against base 160/1 → 55 × 0.75 = 41.25.
            var policy = ScoringPolicy.standard
            policy.severityPoints["medium"] = 40
            try await app.test(.PUT, "/api/v1/campaigns/SC1/scoring-policy", headers: admin, beforeRequest: { req async throws in
                try req.content.encode(policy, as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .ok) }
            try await app.test(.GET, "/api/v1/campaigns/SC1/scores/B", headers: admin) { res async throws in
                XCTAssertEqual(try res.content.decode(ScoreController.UnitResponse.self).score.vulnerability.description, "41.25")
            }
            let policyEvents = try await AuditEvent.query(on: app.db).filter(\.$action == "scoring.policy").count()
            XCTAssertEqual(policyEvents, 1)

            // The web form names the fields it cannot read.
            let web = try await app.token(for: "s-admin", kind: .web)
            var form = ["assetMax": "五"]
            for k in ["assetPerDiscrepancy": "1", "vulnerabilityMax": "55", "protectionMax": "25", "protectionPerItem": "5",
                      "dataMax": "15", "dataPerItem": "5", "sensitiveRecordsThreshold": "500", "remediationLatePoints": "5",
                      "unfixedAfterHours": "72", "unfixedPoints": "5", "severity_critical": "80", "severity_high": "80",
                      "severity_medium": "20", "severity_low": "0", "bracket0_hours": "24", "bracket0_points": "0"] { form[k.key] = k.value }
            try await app.test(.POST, "/campaigns/SC1/scoring-policy",
                               headers: ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(web)", "Content-Type": "application/x-www-form-urlencoded"],
                               body: ByteBuffer(string: formBody(form))) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.string.contains("资产核查满分"), "names the unreadable field")
                XCTAssertTrue(res.body.string.contains("value=\"五\""), "what was typed comes back, not a placeholder")
            }
        }
    }

    func testPagesShowScoresEscapedAndLinked() async throws {
        try await withEachDatabase { app, _ in
            try await self.load(app)
            try await app.makeUser("s-admin", .admin)
            try await app.makeUser("s-observer", .observer)
            try await app.makeUser("s-liaison", .liaison, unit: "B")
            let admin = try await app.token(for: "s-admin", kind: .web)
            let observer = try await app.token(for: "s-observer", kind: .web)
            let liaison = try await app.token(for: "s-liaison", kind: .web)
            try await app.test(.GET, "/campaigns/SC1/scores", headers: ["Cookie": "patrol_session=\(admin)"]) { res async throws in
                XCTAssertEqual(res.status, .ok)
                let html = res.body.string
                XCTAssertTrue(html.contains("88.13"))
                XCTAssertTrue(html.contains("乙单位&lt;b&gt;"), "unit names are escaped")
                XCTAssertFalse(html.contains("乙单位<b>"))
                XCTAssertTrue(html.contains("action=\"/campaigns/SC1/scores/publish\""), "the admin can publish a closed campaign")
            }
            try await app.test(.GET, "/campaigns/SC1/scores?group=district", headers: ["Cookie": "patrol_session=\(observer)"]) { res async throws in
                let html = res.body.string
                XCTAssertTrue(html.contains("甲单位") && !html.contains("丙单位"), "the district tab lists district units only")
                XCTAssertFalse(html.contains("scores/publish"), "observers do not publish")
            }
            try await app.test(.GET, "/campaigns/SC1/scores/A", headers: ["Cookie": "patrol_session=\(admin)"]) { res async throws in
                let html = res.body.string
                XCTAssertTrue(html.contains("href=\"/campaigns/SC1/findings/F1\""), "deductions link to their findings")
                XCTAssertTrue(html.contains("55 × (1 − (160/1) ÷ (160/1)) = 0 → 0.00"))
                XCTAssertTrue(html.contains("32 小时 0 分"))
            }
            try await app.test(.GET, "/campaigns/SC1/scores/A", headers: ["Cookie": "patrol_session=\(observer)"]) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertFalse(res.body.string.contains("/findings/F1"), "observers cannot open findings, so no link")
            }
            try await app.test(.GET, "/campaigns/SC1/scores/B", headers: ["Cookie": "patrol_session=\(liaison)"]) { res async throws in
                XCTAssertEqual(res.status, .forbidden, "not published yet")
            }
            try await app.test(.POST, "/campaigns/SC1/scores/publish",
                               headers: ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(admin)", "Content-Type": "application/x-www-form-urlencoded"],
                               body: ByteBuffer(string: formBody([:]))) { res async throws in
                XCTAssertEqual(res.status, .seeOther)
            }
            try await app.test(.GET, "/campaigns/SC1/scores", headers: ["Cookie": "patrol_session=\(liaison)"]) { res async throws in
                XCTAssertEqual(res.status, .seeOther)
                XCTAssertEqual(res.headers.first(name: .location), "/campaigns/SC1/scores/B")
            }
            try await app.test(.GET, "/campaigns/SC1/scores/B", headers: ["Cookie": "patrol_session=\(liaison)"]) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertTrue(res.body.string.contains("88.13"))
                XCTAssertTrue(res.body.string.contains("href=\"/campaigns/SC1/findings/F3\""), "their own notified finding")
            }
            try await app.test(.GET, "/campaigns/SC1/findings/F1", headers: ["Cookie": "patrol_session=\(liaison)"]) { res async throws in
                XCTAssertEqual(res.status, .notFound, "another unit's finding")
            }
            try await app.test(.GET, "/campaigns/SC1/scores.csv", headers: ["Cookie": "patrol_session=\(admin)"]) { res async throws in
                XCTAssertEqual(Array(res.body.readableBytesView.prefix(3)), [0xEF, 0xBB, 0xBF])
                XCTAssertTrue(res.headers.first(name: .contentDisposition)?.hasPrefix("attachment") ?? false)
                XCTAssertTrue(res.body.string.contains("88.13"))
            }
            // The generic state change cannot publish (that would skip freezing the sheet).
            try await app.test(.POST, "/campaigns/SC1/state",
                               headers: ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(admin)", "Content-Type": "application/x-www-form-urlencoded"],
                               body: ByteBuffer(string: formBody(["state": "published"]))) { res async throws in
                XCTAssertEqual(res.status, .conflict)
            }
        }
    }
}
