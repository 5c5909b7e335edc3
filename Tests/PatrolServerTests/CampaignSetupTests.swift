import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// The organiser creates, copies and edits a campaign in the browser and the API, and starts it
/// only when there is something to test and someone to test it.
final class CampaignSetupTests: XCTestCase {
    func web(_ app: Application, _ user: String) async throws -> HTTPHeaders {
        ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(try await app.token(for: user, kind: .web))"]
    }

    func post(_ app: Application, _ path: String, _ headers: HTTPHeaders, _ fields: [String: String],
              _ check: @escaping (XCTHTTPResponse) async throws -> Void) async throws {
        try await app.test(.POST, path, headers: headers, beforeRequest: { req async throws in
            req.headers.contentType = .urlEncodedForm
            req.body = .init(string: formBody(fields))
        }, afterResponse: check)
    }

    static let form = ["code": "CZ2023", "name": "\"网安2023\"常州行动", "timeZone": "Asia/Shanghai",
                       "startsAt": "2023-05-15T00:00", "endsAt": "2023-05-20T00:00", "scoredAt": "2023-05-31T00:00",
                       "officeName": "常州市委网信办", "contactName": "王明", "contactPhone": "0519-85681234",
                       "noticePrefix": "常网办通"]

    func testCreateInTheBrowserWithLocalTimesAndRefuseBadInput() async throws {
        try await withEachDatabase { app, _ in
            try await app.makeUser("ad1", .admin)
            try await app.makeUser("rv1", .reviewer)
            let admin = try await web(app, "ad1")
            try await app.test(.GET, "/campaigns/new", headers: admin) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertTrue(res.body.string.contains("name=\"startsAt\""))
            }
            // Each bad field is named, in Chinese, and nothing is created.
            let bad: [([String: String], String)] = [
                (["code": "CZ 2023"], "行动编码"), (["endsAt": "2023-05-14T00:00"], "结束时间必须晚于开始时间"),
                (["startsAt": "soon"], "soon"), (["contactPhone": "call me"], "call me"), (["timeZone": "Mars/Olympus"], "Mars/Olympus"),
                (["scoredAt": "2023-05-19T00:00"], "评分截止时间"), (["name": " "], "行动名称"),
            ]
            for (change, message) in bad {
                try await post(app, "/campaigns", admin, Self.form.merging(change) { $1 }) { res async throws in
                    XCTAssertEqual(res.status, .unprocessableEntity, "\(change)")
                    XCTAssertTrue(res.body.string.contains(message), "\(change): \(res.body.string.prefix(3000))")
                }
            }
            let none = try await Campaign.query(on: app.db).count()
            XCTAssertEqual(none, 0)
            try await post(app, "/campaigns", admin, Self.form) { res async throws in
                XCTAssertEqual(res.status, .seeOther, res.body.string)
                XCTAssertEqual(res.headers.first(name: .location), "/campaigns/CZ2023")
            }
            let campaign = try await Campaign.query(on: app.db).filter(\.$code == "CZ2023").first()!
            XCTAssertEqual(campaign.state, .draft)
            // 00:00 in Shanghai is 16:00 UTC the day before.
            XCTAssertEqual(campaign.startsAt, BundleDate.parse("2023-05-14T16:00:00Z"))
            XCTAssertEqual(campaign.endsAt, BundleDate.parse("2023-05-20T00:00:00+08:00"))
            XCTAssertEqual(campaign.office, CampaignOffice(name: "常州市委网信办", contactName: "王明", contactPhone: "0519-85681234",
                                                           noticePrefix: "常网办通"))
            try await post(app, "/campaigns", admin, Self.form) { res async throws in
                XCTAssertEqual(res.status, .conflict)
                XCTAssertTrue(res.body.string.contains("CZ2023 已被使用"), res.body.string)
            }
            // Only an admin sets up campaigns.
            try await post(app, "/campaigns", try await web(app, "rv1"), Self.form.merging(["code": "RV"]) { $1 }) { res async throws in
                XCTAssertEqual(res.status, .forbidden)
            }
            try await app.test(.GET, "/campaigns/CZ2023", headers: admin) { res async throws in
                XCTAssertTrue(res.body.string.contains("/campaigns/CZ2023/edit"), "a draft offers its edit form")
                XCTAssertTrue(res.body.string.contains("/campaigns/CZ2023/state?to=running"))
                XCTAssertTrue(res.body.string.contains("常州市委网信办"))
            }
            // Edit while a draft; the code stays.
            try await post(app, "/campaigns/CZ2023/edit", admin, Self.form.merging(["name": "网安2023", "code": "HACK"]) { $1 }) { res async throws in
                XCTAssertEqual(res.status, .seeOther, res.body.string)
            }
            let edited = try await Campaign.query(on: app.db).filter(\.$code == "CZ2023").first()
            XCTAssertEqual(edited?.name, "网安2023")
            let actions = try await AuditEvent.query(on: app.db).filter(\.$objectID == "CZ2023").all().map(\.action)
            XCTAssertEqual(actions, ["campaign.create", "campaign.update"])
        }
    }

    func testCopyStartOnlyWhenReadyAndEditOnlyDrafts() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            try await app.makeUser("ad1", .admin)
            let api: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "ad1", kind: .api))"]
            var body = ["code": "CZ2023", "name": "网安2023", "startsAt": "2023-05-15T00:00:00+08:00",
                        "endsAt": "2023-05-20T00:00:00+08:00", "copyFrom": "CZ2022"]
            try await app.test(.POST, "/api/v1/campaigns", headers: api, beforeRequest: { req async throws in
                try req.content.encode(body, as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .created, res.body.string)
                XCTAssertEqual(try res.content.decode(CampaignDTO.self).state, "draft")
            }
            let old = try await Campaign.query(on: app.db).filter(\.$code == "CZ2022").first()!
            let new = try await Campaign.query(on: app.db).filter(\.$code == "CZ2023").first()!
            let oldUnits = try await CampaignUnit.query(on: app.db).filter(\.$campaign.$id == old.requireID()).count()
            let newUnits = try await CampaignUnit.query(on: app.db).filter(\.$campaign.$id == new.requireID()).count()
            XCTAssertEqual(newUnits, oldUnits)
            XCTAssertEqual(newUnits, 83)
            let teams = try await CampaignTeam.query(on: app.db).filter(\.$campaign.$id == new.requireID()).all()
            XCTAssertFalse(teams.isEmpty)
            XCTAssertTrue(teams.allSatisfy { $0.state == .active && !$0.interception })
            let assets = try await Asset.query(on: app.db).filter(\.$campaign.$id == new.requireID()).count()
            let findings = try await Finding.query(on: app.db).filter(\.$campaign.$id == new.requireID()).count()
            XCTAssertEqual(assets + findings, 0, "a copy takes no assets and no findings")
            XCTAssertEqual(new.scoringPolicy, old.scoringPolicy)

            func readiness() async throws -> CampaignSetupController.ReadinessAnswer {
                var answer: CampaignSetupController.ReadinessAnswer?
                try await app.test(.GET, "/api/v1/campaigns/CZ2023/readiness?to=running", headers: api) { res async throws in
                    XCTAssertEqual(res.status, .ok, res.body.string)
                    answer = try res.content.decode(CampaignSetupController.ReadinessAnswer.self)
                }
                return answer!
            }
            var ready = try await readiness()
            XCTAssertFalse(ready.ready)
            XCTAssertEqual(ready.checks.map(\.code), ["noUnitWithAsset", "noTeamWithTester"])
            XCTAssertTrue(ready.checks[0].message.contains("已确认的资产"), ready.checks[0].message)
            try await app.test(.POST, "/api/v1/campaigns/CZ2023/state", headers: api, beforeRequest: { req async throws in
                try req.content.encode(["state": "running"], as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .conflict, res.body.string) }

            // One approved asset, one pending, a tester of a linked team.
            let d01 = try await PatrolStore.Unit.query(on: app.db).filter(\.$code == "D01").first()!
            try await Asset(campaignID: new.requireID(), unitID: d01.requireID(), code: "D01-1", kind: .domain,
                            target: "www.liyang.example.gov.cn", origin: .declared).create(on: app.db)
            try await Asset(campaignID: new.requireID(), unitID: d01.requireID(), code: "D01-2", kind: .domain,
                            target: "mail.liyang.example.gov.cn", origin: .declared, review: .pending).create(on: app.db)
            let team = try await Team.find(teams[0].$team.id, on: app.db)!
            try await app.makeUser("te1", .tester, team: team.code)
            ready = try await readiness()
            XCTAssertEqual(ready.checks.map(\.code), ["assetsPending", "unitsWithoutAssets"])
            XCTAssertEqual(ready.checks.map(\.count), [1, 82])
            XCTAssertFalse(ready.ready)
            try await Asset.query(on: app.db).filter(\.$code == "D01-2").set(\.$review, to: .approved).update()
            ready = try await readiness()
            XCTAssertTrue(ready.ready, "\(ready.checks)")
            XCTAssertEqual(ready.checks.map(\.weight), ["warning"])

            // The confirmation page shows the warning before the admin confirms.
            let web = try await web(app, "ad1")
            try await app.test(.GET, "/campaigns/CZ2023/state?to=running", headers: web) { res async throws in
                XCTAssertTrue(res.body.string.contains("82 个单位没有已确认的资产"), res.body.string)
                XCTAssertTrue(res.body.string.contains("name=\"state\" value=\"running\""))
            }
            try await post(app, "/campaigns/CZ2023/state", web, ["state": "running"]) { res async throws in
                XCTAssertEqual(res.status, .seeOther, res.body.string)
            }
            let running = try await Campaign.query(on: app.db).filter(\.$code == "CZ2023").first()
            XCTAssertEqual(running?.state, .running)
            // A running campaign is no longer edited, and cannot jump to published here.
            body["name"] = "改名"
            try await app.test(.PATCH, "/api/v1/campaigns/CZ2023", headers: api, beforeRequest: { req async throws in
                try req.content.encode(["name": "改名"], as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .conflict, res.body.string) }
            try await app.test(.GET, "/api/v1/campaigns/CZ2023/readiness?to=published", headers: api) { res async throws in
                XCTAssertEqual(res.status, .conflict, res.body.string)
            }
            let audit = try await AuditEvent.query(on: app.db).filter(\.$objectID == "CZ2023").filter(\.$action == "campaign.state").first()
            XCTAssertTrue(audit?.details.contains("unitsWithoutAssets=82") ?? false, audit?.details ?? "no audit entry")
        }
    }

    func testPublishingOverReportsAwaitingRetestNeedsAReason() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            try await app.makeUser("ad1", .admin)
            let api: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "ad1", kind: .api))"]
            // One report awaiting retest in the (closed) demo campaign.
            let finding = try await Finding.query(on: app.db).filter(\.$status == .notified).first()!
            finding.status = .remediated
            try await finding.save(on: app.db)
            let awaiting = try await Finding.query(on: app.db).filter(\.$status == .remediated).count()
            let web = try await web(app, "ad1")
            try await app.test(.GET, "/campaigns/CZ2022/scores", headers: web) { res async throws in
                XCTAssertTrue(res.body.string.contains("发布成绩须填写原因"), res.body.string)
                XCTAssertTrue(res.body.string.contains("<textarea name=\"reason\" required"))
            }
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/scores/publish", headers: api, beforeRequest: { req async throws in
                try req.content.encode([String: String](), as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .conflict, res.body.string)
                XCTAssertTrue(res.body.string.contains("\(awaiting) remediation reports await retest"), res.body.string)
            }
            let still = try await Campaign.query(on: app.db).filter(\.$code == "CZ2022").first()?.state
            XCTAssertEqual(still, .closed)
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/scores/publish", headers: api, beforeRequest: { req async throws in
                try req.content.encode(["reason": "复测人员已确认修复，书面记录另附"], as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .ok, res.body.string) }
            let audit = try await AuditEvent.query(on: app.db).filter(\.$action == "scores.publish").first()
            XCTAssertTrue(audit?.details.contains("复测人员已确认修复") ?? false, audit?.details ?? "no audit entry")
        }
    }
}
