import Fluent
import NIOConcurrencyHelpers
import PatrolSMS
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// The finding lifecycle through the API, for every role, with the refusals: submission → review →
/// notice (with SMS) → remediation → failed retest (退回, SMS) → remediation → passed retest.
final class FindingFlowTests: XCTestCase {
    /// The demo campaign, made to be running with the window open now.
    func openCampaign(_ app: Application) async throws {
        try await app.loadDemoCampaign()
        let c = try await Campaign.find(code: "CZ2022", on: app.db)!
        c.state = .running
        c.startsAt = Date().addingTimeInterval(-86_400)
        c.endsAt = Date().addingTimeInterval(4 * 86_400)
        try await c.save(on: app.db)
        for (name, role, unit, team) in [("f-tester", Role.tester, nil, "T01"), ("f-tester2", .tester, nil, "T02"),
                                         ("f-reviewer", .reviewer, nil, nil), ("f-reviewer2", .reviewer, nil, nil),
                                         ("f-admin", .admin, nil, nil), ("f-liaison", .liaison, "D01", nil),
                                         ("f-liaison2", .liaison, "D02", nil), ("f-observer", .observer, nil, nil)] as [(String, Role, String?, String?)] {
            try await app.makeUser(name, role, unit: unit, team: team)
        }
    }

    func bearer(_ app: Application, _ user: String) async throws -> HTTPHeaders {
        ["Authorization": "Bearer \(try await app.token(for: user, kind: .api))"]
    }

    func send(_ app: Application, _ method: HTTPMethod, _ path: String, as headers: HTTPHeaders, json: [String: Any]? = nil,
              expect status: HTTPStatus, file: StaticString = #filePath, line: UInt = #line) async throws -> [String: Any] {
        var result: [String: Any] = [:]
        try await app.test(method, path, headers: headers, beforeRequest: { req async throws in
            if let json {
                req.headers.contentType = .json
                req.body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: json))
            }
        }, afterResponse: { res async throws in
            XCTAssertEqual(res.status, status, "\(method) \(path): \(res.body.string)", file: file, line: line)
            result = (try? JSONSerialization.jsonObject(with: Data(res.body.readableBytesView)) as? [String: Any]) ?? [:]
        })
        return result
    }

    func testTheWholeLifecycleForEveryRole() async throws {
        try await withEachDatabase { app, _ in
            try await self.openCampaign(app)
            let tester = try await self.bearer(app, "f-tester"), tester2 = try await self.bearer(app, "f-tester2")
            let reviewer = try await self.bearer(app, "f-reviewer"), reviewer2 = try await self.bearer(app, "f-reviewer2")
            let admin = try await self.bearer(app, "f-admin"), observer = try await self.bearer(app, "f-observer")
            let liaison = try await self.bearer(app, "f-liaison"), liaison2 = try await self.bearer(app, "f-liaison2")
            let base = "/api/v1/campaigns/CZ2022"
            let submission: [String: Any] = [
                "unit": "D01", "asset": "D01-1", "kind": "vulnerability", "severity": "high", "type": "sqlInjection",
                "title": "<script>alert(1)</script>登录接口SQL注入", "description": "参数 id 存在注入", "url": "https://www.d01.changzhou.example/login",
                "weakPassword": false, "sensitiveRecords": 600, "shellPaths": ["/upload/shell.jsp"]]

            // Submission: testers only, checked field by field.
            _ = try await self.send(app, .POST, base + "/findings", as: liaison, json: submission, expect: .forbidden)
            _ = try await self.send(app, .POST, base + "/findings", as: reviewer, json: submission, expect: .forbidden)
            var bad = submission; bad["asset"] = "D02-1"
            _ = try await self.send(app, .POST, base + "/findings", as: tester, json: bad, expect: .unprocessableEntity)
            bad = submission; bad["severity"] = nil
            _ = try await self.send(app, .POST, base + "/findings", as: tester, json: bad, expect: .unprocessableEntity)
            bad = submission; bad["type"] = "魔法"
            _ = try await self.send(app, .POST, base + "/findings", as: tester, json: bad, expect: .unprocessableEntity)
            bad = submission; bad["url"] = "javascript:alert(1)"
            _ = try await self.send(app, .POST, base + "/findings", as: tester, json: bad, expect: .unprocessableEntity)
            let created = try await self.send(app, .POST, base + "/findings", as: tester, json: submission, expect: .created)
            let code = try XCTUnwrap(created["code"] as? String)
            XCTAssertEqual(code, "F0125", "the demo has F0001–F0124")
            XCTAssertEqual(created["status"] as? String, "submitted")
            XCTAssertEqual(created["type"] as? String, "SQL注入")
            let path = base + "/findings/" + code

            // Who sees it: the team and the organiser; not another team, not the unit yet, not observers.
            _ = try await self.send(app, .GET, path, as: reviewer, expect: .ok)
            _ = try await self.send(app, .GET, path, as: tester2, expect: .notFound)
            _ = try await self.send(app, .GET, path, as: liaison, expect: .notFound)
            _ = try await self.send(app, .GET, path, as: observer, expect: .notFound)
            try await app.test(.GET, base + "/findings", headers: tester2) { res async throws in
                let list = try res.content.decode(APIPage<FindingDTO>.self).items
                XCTAssertFalse(list.contains { $0.code == code })
                XCTAssertTrue(list.allSatisfy { $0.team == "T02" })
            }

            // Review: a request for information needs a note; the tester edits and resubmits.
            _ = try await self.send(app, .POST, path + "/review", as: tester, json: ["decision": "verify"], expect: .forbidden)
            _ = try await self.send(app, .POST, path + "/review", as: reviewer, json: ["decision": "needInfo"], expect: .unprocessableEntity)
            let asked = try await self.send(app, .POST, path + "/review", as: reviewer,
                                            json: ["decision": "needInfo", "note": "请补充复现截图"], expect: .ok)
            XCTAssertEqual(asked["status"] as? String, "submitted", "needInfo shows as submitted")
            XCTAssertEqual(asked["infoRequest"] as? String, "请补充复现截图")
            _ = try await self.send(app, .POST, path + "/review", as: reviewer, json: ["decision": "verify"], expect: .conflict)
            _ = try await self.send(app, .PATCH, path, as: tester2, json: ["description": "x"], expect: .notFound)
            let resubmitted = try await self.send(app, .PATCH, path, as: tester, json: ["description": "参数 id 存在布尔盲注"], expect: .ok)
            XCTAssertNil(resubmitted["infoRequest"])

            // In-platform notifications: the reviewer's to-do list counts findings to review.
            let reviewerWeb = try await app.token(for: "f-reviewer", kind: .web)
            try await app.test(.GET, "/campaigns/CZ2022", headers: ["Cookie": "patrol_session=\(reviewerWeb)"]) { res async throws in
                XCTAssertTrue(res.body.string.contains("待审核的问题"))
            }

            // Two reviewers: the first decision wins, the second gets a clear 409.
            let verified = try await self.send(app, .POST, path + "/review", as: reviewer,
                                               json: ["decision": "verify", "severity": "critical"], expect: .ok)
            XCTAssertEqual(verified["status"] as? String, "verified")
            XCTAssertEqual(verified["severity"] as? String, "critical")
            let lost = try await self.send(app, .POST, path + "/review", as: reviewer2,
                                           json: ["decision": "reject", "note": "误报"], expect: .conflict)
            XCTAssertTrue(((lost["error"] as? [String: Any])?["message"] as? String ?? "").contains("已确认"))

            // Notice: admin only, verified findings of that unit only; an SMS per liaison phone.
            _ = try await self.send(app, .POST, base + "/notices", as: reviewer, json: ["unit": "D01", "findings": [code]], expect: .forbidden)
            _ = try await self.send(app, .POST, base + "/notices", as: admin, json: ["unit": "D02", "findings": [code]],
                                    expect: .unprocessableEntity)
            let notice = try await self.send(app, .POST, base + "/notices", as: admin, json: ["unit": "D01", "findings": [code]], expect: .created)
            let noticeCode = try XCTUnwrap(notice["code"] as? String)
            XCTAssertTrue(noticeCode.hasPrefix("CZ2022-D01-"), noticeCode)
            let phones = try await Liaison.query(on: app.db).join(PatrolStore.Unit.self, on: \Liaison.$unit.$id == \PatrolStore.Unit.$id)
                .filter(PatrolStore.Unit.self, \.$code == "D01").all().map(\.phone)
            let noticeSMS = try await SMSMessage.query(on: app.db).filter(\.$event == "notice").all()
                .filter { $0.body.contains(noticeCode) }
            XCTAssertEqual(Set(noticeSMS.map(\.phone)), Set(phones))
            XCTAssertEqual(noticeSMS.count, Set(phones).count)
            _ = try await self.send(app, .POST, base + "/notices", as: admin, json: ["unit": "D01", "findings": [code]], expect: .conflict)

            // The liaison's to-do list now has a finding to remediate; the other unit's has none.
            let liaisonWeb = try await app.token(for: "f-liaison", kind: .web)
            try await app.test(.GET, "/campaigns/CZ2022", headers: ["Cookie": "patrol_session=\(liaisonWeb)"]) { res async throws in
                XCTAssertTrue(res.body.string.contains("待整改的通报问题"))
            }

            // The unit now sees it, without the team; other units still do not.
            let seen = try await self.send(app, .GET, path, as: liaison, expect: .ok)
            XCTAssertEqual(seen["status"] as? String, "notified")
            XCTAssertNil(seen["team"])
            XCTAssertNil(seen["reviewNote"])
            _ = try await self.send(app, .GET, path, as: liaison2, expect: .notFound)
            try await app.test(.GET, base + "/notices", headers: liaison) { res async throws in
                let list = try res.content.decode(APIPage<NoticeDTO>.self).items
                XCTAssertTrue(list.contains { $0.code == noticeCode })
                XCTAssertTrue(list.allSatisfy { $0.unit == "D01" })
            }
            _ = try await self.send(app, .GET, base + "/notices", as: tester, expect: .forbidden)

            // Remediation: the unit's liaison, confirming the uploaded shell is gone.
            _ = try await self.send(app, .POST, path + "/remediations", as: liaison2, json: ["summary": "已修复", "shellsRemoved": true], expect: .notFound)
            _ = try await self.send(app, .POST, path + "/remediations", as: liaison, json: ["summary": "已修复"], expect: .unprocessableEntity)
            let reported = try await self.send(app, .POST, path + "/remediations", as: liaison,
                                               json: ["summary": "已修复注入点并删除 /upload/shell.jsp", "shellsRemoved": true], expect: .created)
            XCTAssertEqual(reported["status"] as? String, "remediated")
            // Reported is reported: the unit sees that it waits for the retest and what a pass will
            // count as, not a countdown (issue 21, item 5).
            let liaisonCookie: HTTPHeaders = ["Cookie": "patrol_session=\(liaisonWeb)"]
            try await app.test(.GET, "/campaigns/CZ2022/findings/\(code)", headers: liaisonCookie) { res async throws in
                let html = res.body.string
                XCTAssertTrue(html.contains("已提交整改（"), html)
                XCTAssertTrue(html.contains("待复测"))
                XCTAssertTrue(html.contains("复测通过即按 24 小时内完成整改计分"), "reported within the hour: the first bracket")
                XCTAssertFalse(html.contains("<h2>整改时限（自通报时起）</h2>"), "no countdown while the retest is pending")
            }
            try await app.test(.GET, "/campaigns/CZ2022/notices", headers: liaisonCookie) { res async throws in
                XCTAssertTrue(res.body.string.contains("已提交整改，待复测"))
                XCTAssertFalse(res.body.string.contains("未完成整改"))
            }

            // Retest failed (退回): a reason is required; the unit gets an SMS; the finding is notified again.
            _ = try await self.send(app, .POST, path + "/retests", as: liaison, json: ["result": "passed"], expect: .forbidden)
            _ = try await self.send(app, .POST, path + "/retests", as: reviewer, json: ["result": "failed"], expect: .unprocessableEntity)
            let returned = try await self.send(app, .POST, path + "/retests", as: reviewer,
                                               json: ["result": "failed", "note": "注入点仍可利用"], expect: .created)
            XCTAssertEqual(returned["status"] as? String, "notified")
            try await app.test(.GET, "/campaigns/CZ2022/findings/\(code)", headers: liaisonCookie) { res async throws in
                let html = res.body.string
                XCTAssertTrue(html.contains("整改未通过复测"), "a returned report says so")
                XCTAssertTrue(html.contains("退回原因：注入点仍可利用"), "and why")
                XCTAssertTrue(html.contains("<h2>整改时限（自通报时起）</h2>"), "and the clock runs again")
            }
            let returnedSMS = try await SMSMessage.query(on: app.db).filter(\.$event == "returned").all()
            XCTAssertEqual(returnedSMS.count, Set(phones).count)
            XCTAssertTrue(returnedSMS.allSatisfy { $0.body.contains(code) && $0.body.contains(noticeCode) })
            _ = try await self.send(app, .POST, path + "/retests", as: reviewer, json: ["result": "passed"], expect: .conflict)

            // Resubmitted and passed: closed, with the whole history.
            _ = try await self.send(app, .POST, path + "/remediations", as: liaison,
                                    json: ["summary": "改用参数化查询", "shellsRemoved": true], expect: .created)
            let closed = try await self.send(app, .POST, path + "/retests", as: reviewer, json: ["result": "passed"], expect: .created)
            XCTAssertEqual(closed["status"] as? String, "closed")
            XCTAssertNotNil(closed["closedAt"])
            let history = try XCTUnwrap(closed["remediations"] as? [[String: Any]])
            XCTAssertEqual(history.map { $0["retest"] as? String }, ["failed", "passed"])

            // The SMS outbox is the admin's.
            _ = try await self.send(app, .GET, "/api/v1/sms", as: reviewer, expect: .forbidden)
            try await app.test(.GET, "/api/v1/sms", headers: admin) { res async throws in
                XCTAssertEqual(try res.content.decode(APIPage<SMSDTO>.self).items.count, Set(phones).count * 2)
            }

            // Every step audited; the chain still holds.
            let actions = try await AuditEvent.query(on: app.db).filter(\.$objectID == "CZ2022/\(code)").all().map(\.action)
            XCTAssertEqual(actions.sorted(), ["finding.remediation", "finding.remediation", "finding.resubmit", "finding.retest",
                                              "finding.retest", "finding.review", "finding.review", "finding.submit"])
            let verification = try await AuditLog.verify(on: app.db)
            XCTAssertNil(verification.firstBreak)

            // Text fields render escaped on the finding page.
            let web = try await app.token(for: "f-admin", kind: .web)
            try await app.test(.GET, "/campaigns/CZ2022/findings/\(code)", headers: ["Cookie": "patrol_session=\(web)"]) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertTrue(res.body.string.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
                XCTAssertFalse(res.body.string.contains("<script>alert(1)"))
            }

            // Window closed: a clear 409.
            let c = try await Campaign.find(code: "CZ2022", on: app.db)!
            c.state = .closed
            try await c.save(on: app.db)
            let closedWindow = try await self.send(app, .POST, base + "/findings", as: tester, json: submission, expect: .conflict)
            XCTAssertEqual((closedWindow["error"] as? [String: Any])?["code"] as? String, "window_closed")
        }
    }

    func testListFiltersByUnitTeamStatusAndSeverity() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            try await app.makeUser("l-reviewer", .reviewer)
            let auth: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "l-reviewer", kind: .api))"]
            try await app.test(.GET, "/api/v1/campaigns/CZ2022/findings?unit=G03&team=T02", headers: auth) { res async throws in
                let list = try res.content.decode(APIPage<FindingDTO>.self).items
                XCTAssertFalse(list.isEmpty)
                XCTAssertTrue(list.allSatisfy { $0.unit == "G03" && $0.team == "T02" })
            }
            try await app.test(.GET, "/api/v1/campaigns/CZ2022/findings?unit=NOPE", headers: auth) { res async throws in
                XCTAssertEqual(try res.content.decode(APIPage<FindingDTO>.self).items.count, 0)
            }
            try await app.test(.GET, "/api/v1/campaigns/CZ2022/findings?status=closed&severity=high", headers: auth) { res async throws in
                let list = try res.content.decode(APIPage<FindingDTO>.self).items
                XCTAssertFalse(list.isEmpty)
                XCTAssertTrue(list.allSatisfy { $0.status == "closed" && $0.severity == "high" })
            }
        }
    }

    func testListPagesByCursorWithoutGapsOrRepeats() async throws {
        try await withEachDatabase { app, location in
            try await app.loadDemoCampaign()
            try await app.makeUser("p-reviewer", .reviewer)
            let auth: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "p-reviewer", kind: .api))"]
            let all = try await Finding.query(on: app.db).sort(\.$submittedAt).sort(\.$code).all()
            // Many findings share a submission time in the demo: the id breaks the tie, so a page
            // boundary inside a group of equal times neither skips nor repeats.
            XCTAssertLessThan(Set(all.map(\.submittedAt)).count, all.count, "the demo has equal submission times")
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                var url = "/api/v1/campaigns/CZ2022/findings?limit=7"
                if let cursor { url += "&cursor=\(cursor)" }
                try await app.test(.GET, url, headers: auth) { res async throws in
                    XCTAssertEqual(res.status, .ok, res.body.string)
                    let page = try res.content.decode(APIPage<FindingDTO>.self)
                    XCTAssertEqual(page.total, all.count, location.redacted)
                    XCTAssertLessThanOrEqual(page.items.count, 7)
                    seen += page.items.map(\.code)
                    cursor = page.nextCursor
                }
                pages += 1
            } while cursor != nil && pages < 100
            XCTAssertEqual(seen.count, all.count, location.redacted)
            XCTAssertEqual(Set(seen), Set(all.map(\.code)), location.redacted)
            XCTAssertEqual(pages, (all.count + 6) / 7)
            // Filters page too, and their total counts the filtered list.
            try await app.test(.GET, "/api/v1/campaigns/CZ2022/findings?status=closed&limit=2", headers: auth) { res async throws in
                let page = try res.content.decode(APIPage<FindingDTO>.self)
                XCTAssertEqual(page.total, all.filter { $0.status == .closed }.count, location.redacted)
                XCTAssertEqual(page.items.count, 2)
                XCTAssertNotNil(page.nextCursor)
            }
            // The default page is 100; a page size out of range or a foreign cursor is refused by name.
            try await app.test(.GET, "/api/v1/campaigns/CZ2022/findings", headers: auth) { res async throws in
                XCTAssertEqual(try res.content.decode(APIPage<FindingDTO>.self).items.count, min(100, all.count))
            }
            for bad in ["limit=0", "limit=501", "cursor=nonsense", "cursor=\(UUID().uuidString)"] {
                try await app.test(.GET, "/api/v1/campaigns/CZ2022/findings?\(bad)", headers: auth) { res async throws in
                    XCTAssertEqual(res.status, .unprocessableEntity, bad)
                    XCTAssertTrue(res.body.string.contains(bad.hasPrefix("limit") ? "1 to 500" : "cursor"), "\(bad): \(res.body.string)")
                }
            }
        }
    }

    func testConcurrentDecisionsHaveExactlyOneWinner() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            let f = try await Finding.query(on: app.db).filter(\.$status == .submitted).first()!
            let id = try f.requireID()
            let db = app.db
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<8 {
                    group.addTask {
                        try await FindingTransitions.move(id, from: .submitted, to: i % 2 == 0 ? .verified : .rejected, now: Date(), on: db)
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            XCTAssertEqual(wins, 1)
        }
    }
}

/// SPEC §4 end to end: a notice issued through the API reaches every liaison phone of the unit as
/// exactly one correctly signed Alibaba SMS, through a transient 503.
final class NoticeSMSDeliveryTests: XCTestCase {
    func testNoticeDeliversOneSignedSMSPerPhoneThroughA503() async throws {
        let accepted = NIOLockedValueBox<[String]>([])
        let calls = NIOLockedValueBox<Int>(0)
        try await withFakeProvider({ req in
            var params = try req.content.decode([String: String].self)
            let signature = params.removeValue(forKey: "Signature")
            guard signature == AliyunSigner.signature(method: "POST", parameters: params, secret: "e2e-secret") else {
                return Response(status: .badRequest, body: .init(string: #"{"Code":"SignatureDoesNotMatch","Message":"x"}"#))
            }
            if calls.withLockedValue({ $0 += 1; return $0 }) == 1 {
                return Response(status: .serviceUnavailable, body: .init(string: "busy"))
            }
            accepted.withLockedValue { $0.append(params["PhoneNumbers"] ?? "") }
            return Response(status: .ok, body: .init(string: #"{"Code":"OK","BizId":"e2e"}"#))
        }) { url in
            try await deliver(url: url, accepted: accepted, calls: calls)
        }
    }

    func deliver(url: URL, accepted: NIOLockedValueBox<[String]>, calls: NIOLockedValueBox<Int>) async throws {
        try await withEachDatabase { app, _ in
            accepted.withLockedValue { $0 = [] }
            calls.withLockedValue { $0 = 0 }
            try await app.loadRunningDemoCampaign()
            try await app.makeUser("n-tester", .tester, team: "T01")
            try await app.makeUser("n-admin", .admin)
            let tester: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "n-tester", kind: .api))"]
            let admin: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "n-admin", kind: .api))"]
            var code = ""
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/findings", headers: tester, beforeRequest: { req async throws in
                try req.content.encode(["unit": "D01", "asset": "D01-1", "kind": "vulnerability", "severity": "high", "title": "弱口令"], as: .json)
            }) { res async throws in code = try res.content.decode(FindingDTO.self).code }
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/findings/\(code)/review", headers: admin, beforeRequest: { req async throws in
                try req.content.encode(["decision": "verify"], as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .ok) }
            struct NoticeBody: Content { var unit: String; var findings: [String] }
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/notices", headers: admin, beforeRequest: { req async throws in
                try req.content.encode(NoticeBody(unit: "D01", findings: [code]), as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .created) }

            let worker = SMSWorker(settings: aliyunSettings(url, secret: "e2e-secret"))
            let phones = try await Liaison.query(on: app.db).join(PatrolStore.Unit.self, on: \Liaison.$unit.$id == \PatrolStore.Unit.$id)
                .filter(PatrolStore.Unit.self, \.$code == "D01").all().map(\.phone)
            let now = Date()
            try await worker.runOnce(app, now: now)
            try await worker.runOnce(app, now: now.addingTimeInterval(120))
            try await worker.runOnce(app, now: now.addingTimeInterval(240))
            XCTAssertEqual(accepted.withLockedValue { $0 }.sorted(), Set(phones).sorted(), "exactly one delivery per liaison phone")
            let messages = try await SMSMessage.query(on: app.db).filter(\.$event == "notice").all()
            XCTAssertTrue(messages.allSatisfy { $0.status == .sent && $0.providerMessageID == "e2e" })
        }
    }
}
