import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// Teams with their members import into a campaign: new testers' passwords shown once, the same
/// file again makes nothing, bad rows are named and nothing is written.
final class TeamImportTests: XCTestCase {
    func testTeamsWithMembersImportOnceAndPasswordsShowOnce() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            try await app.makeUser("ad1", .admin)
            try await app.makeUser("taken1", .observer)
            let api: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "ad1", kind: .api))"]
            try await app.test(.POST, "/api/v1/campaigns", headers: api, beforeRequest: { req async throws in
                try req.content.encode(["code": "T2023", "name": "网安2023", "startsAt": "2023-05-15T00:00:00+08:00",
                                        "endsAt": "2023-05-20T00:00:00+08:00"], as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .created) }
            let bad = """
                检测队编码,检测队名称,所属单位,联系人,联系电话,成员姓名,成员手机,用户名
                X01,检测甲队,甲安全公司,钱一,13900000011,甲一,13900000012,
                ,,,,,甲二,12345,
                X02,检测乙队,乙安全公司,孙二,13900000021,乙一,,taken1
                X02,,,,,乙二,,yi-2
                X02,,,,,乙三,,yi-2
                """
            let users = try await User.query(on: app.db).count()
            try await app.test(.POST, "/api/v1/campaigns/T2023/imports/teams", headers: api, body: ByteBuffer(string: bad)) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity, res.body.string)
                let answer = try res.content.decode(ImportController.TeamAnswer.self)
                XCTAssertEqual(answer.problems.map { "\($0.row) \($0.column ?? "-") \($0.code)" },
                               ["3 G phone", "4 H usernameTaken", "6 H usernameRepeated"], res.body.string)
                XCTAssertTrue(answer.created.isEmpty)
            }
            let unchangedUsers = try await User.query(on: app.db).count()
            XCTAssertEqual(unchangedUsers, users)
            let teamsBefore = try await Team.query(on: app.db).count()
            let good = """
                检测队及检测人员名单
                检测队编码,检测队名称,所属单位,联系人,联系电话,成员姓名,成员手机,用户名
                X01,检测甲队,甲安全公司,钱一,13900000011,甲一,13900000012,
                ,,,,,甲二,,
                T01,,,,,,,
                """
            // The browser: upload, preview, confirm; the passwords are on the answer to the confirmation only.
            var web: HTTPHeaders = ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(try await app.token(for: "ad1", kind: .web))"]
            let (type, body) = UnitImportTests.multipart(Data(good.utf8), filename: "teams.csv", list: "teams")
            web.add(contentsOf: type)
            var token = "", digest = ""
            try await app.test(.POST, "/campaigns/T2023/import", headers: web, body: body) { res async throws in
                XCTAssertEqual(res.status, .ok, res.body.string)
                XCTAssertTrue(res.body.string.contains("<span class=\"big\">2</span>新建检测人员账号"), res.body.string)
                token = try XCTUnwrap(res.body.string.firstMatch(of: /name="token" value="([^"]+)"/)).1.description
                digest = try XCTUnwrap(res.body.string.firstMatch(of: /name="digest" value="([^"]+)"/)).1.description
            }
            web.replaceOrAdd(name: .contentType, value: "application/x-www-form-urlencoded")
            try await app.test(.POST, "/campaigns/T2023/import/confirm", headers: web, beforeRequest: { req async throws in
                req.body = .init(string: formBody(["token": token, "digest": digest, "list": "teams"]))
            }) { res async throws in
                XCTAssertEqual(res.status, .ok, res.body.string)
                XCTAssertEqual(res.headers.first(name: .cacheControl), "no-store")
                XCTAssertTrue(res.body.string.contains("x01-01") && res.body.string.contains("x01-02"), res.body.string)
                XCTAssertEqual(res.body.string.matches(of: /class="secret"/).count, 2)
            }
            let teamsAfter = try await Team.query(on: app.db).count()
            XCTAssertEqual(teamsAfter, teamsBefore + 1, "X01 is new; T01 joins as it is")
            let campaign = try await Campaign.query(on: app.db).filter(\.$code == "T2023").first()!
            let linked = try await CampaignTeam.query(on: app.db).filter(\.$campaign.$id == campaign.requireID()).with(\.$team).all()
            XCTAssertEqual(Set(linked.map(\.team.code)), ["X01", "T01"])
            let testers = try await User.query(on: app.db).filter(\.$username ~~ ["x01-01", "x01-02"]).all()
            XCTAssertTrue(testers.allSatisfy { $0.role == .tester && $0.mustChangePassword })
            XCTAssertEqual(testers.first { $0.username == "x01-01" }?.phone, "13900000012")
            // The team page's contact rule holds in the preview already: a landline is refused there,
            // not half-way through the confirmation.
            try await app.test(.POST, "/api/v1/campaigns/T2023/imports/teams?dryRun=true", headers: api,
                               body: ByteBuffer(string: good.replacingOccurrences(of: "钱一,13900000011", with: "钱一,0519-85680001"))) { res async throws in
                let answer = try res.content.decode(ImportController.TeamAnswer.self)
                XCTAssertEqual(answer.problems.map(\.code), ["teamPhone"], res.body.string)
            }
            // Again: nothing to do, no password.
            try await app.test(.POST, "/api/v1/campaigns/T2023/imports/teams", headers: api, body: ByteBuffer(string: good)) { res async throws in
                let answer = try res.content.decode(ImportController.TeamAnswer.self)
                XCTAssertEqual(answer.counts["unchanged"], 2, res.body.string)
                XCTAssertEqual(answer.counts["newMembers"], 0)
                XCTAssertTrue(answer.created.isEmpty)
            }
        }
    }
}
