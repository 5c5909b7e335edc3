import Fluent
import Foundation
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// Issue 19, item 3: the organiser adds testing teams to a campaign (or joins a known team to
/// another campaign), edits them, takes one out of a campaign that holds none of its findings, and
/// makes its members' tester accounts in bulk with initial passwords shown once — in the browser
/// and through the API, every change audited, nothing half-made on a refusal.
final class TeamSetupTests: XCTestCase {
    func api(_ app: Application, _ user: String) async throws -> HTTPHeaders {
        ["Authorization": "Bearer \(try await app.token(for: user, kind: .api))"]
    }

    func web(_ app: Application, _ user: String) async throws -> HTTPHeaders {
        ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(try await app.token(for: user, kind: .web))"]
    }

    func form(_ fields: [String: String]) -> @Sendable (inout XCTHTTPRequest) async throws -> Void {
        { req in
            req.headers.contentType = .urlEncodedForm
            req.body = .init(string: formBody(fields))
        }
    }

    func links(_ app: Application, _ campaign: String) async throws -> [String] {
        let c = try await Campaign.query(on: app.db).filter(\.$code == campaign).first()!
        return try await CampaignTeam.query(on: app.db).filter(\.$campaign.$id == c.requireID()).with(\.$team).all().map(\.team.code).sorted()
    }

    func testTeamThroughTheAPIIsAddedEditedJoinedAndLeaves() async throws {
        try await withEachDatabase { app, _ in
            // setup
            try await app.loadDemoCampaign()
            try await app.makeUser("ad1", .admin)
            let admin = try await api(app, "ad1")
            let teamsBefore = try await Team.query(on: app.db).count()

            // MUT: add, with the contact phone written loosely
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/teams", headers: admin, beforeRequest: { req async throws in
                try req.content.encode(TeamDraft(code: "T03", name: "检测三队", company: "示例安全公司", contactName: "赵队长",
                                                 contactPhone: "+86 139-0000-0003"), as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .created, res.body.string)
                let team = try res.content.decode(TeamDetailDTO.self)
                XCTAssertEqual(team.contactPhone, "13900000003")
                XCTAssertEqual(team.state, "active")
                XCTAssertEqual(team.members.count, 0)
            }
            // Refusals name the value, and make nothing.
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/teams", headers: admin, beforeRequest: { req async throws in
                try req.content.encode(TeamDraft(code: "T05", name: "检测五队", contactPhone: "0519-1234"), as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.string.contains("0519-1234"), res.body.string)
            }
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/teams", headers: admin, beforeRequest: { req async throws in
                try req.content.encode(TeamDraft(code: "T03", name: "又一个三队"), as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .conflict)
                XCTAssertTrue(res.body.string.contains("T03"), res.body.string)
            }
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/teams", headers: admin, beforeRequest: { req async throws in
                try req.content.encode(TeamDraft(code: "T 06", name: "六队"), as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.string.contains("T 06"), res.body.string)
            }
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/teams", headers: admin, beforeRequest: { req async throws in
                try req.content.encode(TeamDraft(code: "T07"), as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .unprocessableEntity, "a new team needs a name") }
            let teamsAfterRefusals = try await Team.query(on: app.db).count()
            XCTAssertEqual(teamsAfterRefusals, teamsBefore + 1)

            // Edit: fields left out stay; interception is the gateway's switch, in the same PATCH.
            try await app.test(.PATCH, "/api/v1/campaigns/CZ2022/teams/T03", headers: admin, beforeRequest: { req async throws in
                try req.content.encode(["contactName": "钱队长"], as: .json)
            }) { res async throws in
                let team = try res.content.decode(TeamDetailDTO.self)
                XCTAssertEqual(team.name, "检测三队")
                XCTAssertEqual(team.contactName, "钱队长")
                XCTAssertEqual(team.contactPhone, "13900000003")
            }
            try await app.test(.PATCH, "/api/v1/campaigns/CZ2022/teams/T03", headers: admin, beforeRequest: { req async throws in
                try req.content.encode(["contactPhone": "12345"], as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.string.contains("12345"))
            }
            try await app.test(.PATCH, "/api/v1/campaigns/CZ2022/teams/T03", headers: admin, beforeRequest: { req async throws in
                try req.content.encode(["interception": true], as: .json)
            }) { res async throws in XCTAssertTrue(try res.content.decode(TeamDetailDTO.self).interception) }

            // A known team joins another campaign as it is: no second team.
            let next = Campaign(code: "CZ2023", name: "网安2023", timeZone: "Asia/Shanghai", startsAt: Date(),
                                endsAt: Date().addingTimeInterval(86_400), scoringPolicy: .standard)
            try await next.create(on: app.db)
            try await app.test(.POST, "/api/v1/campaigns/CZ2023/teams", headers: admin, beforeRequest: { req async throws in
                try req.content.encode(TeamDraft(code: "T01"), as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .created, res.body.string)
                XCTAssertEqual(try res.content.decode(TeamDetailDTO.self).name, "检测一队")
            }
            let teamsAfterJoin = try await Team.query(on: app.db).count()
            XCTAssertEqual(teamsAfterJoin, teamsBefore + 1)
            let joined = try await links(app, "CZ2023")
            XCTAssertEqual(joined, ["T01"])

            // Leaving: refused while the campaign holds the team's findings, done otherwise.
            try await app.test(.DELETE, "/api/v1/campaigns/CZ2022/teams/T01", headers: admin) { res async throws in
                XCTAssertEqual(res.status, .conflict)
                XCTAssertTrue(res.body.string.contains("T01"), res.body.string)
            }
            try await app.test(.DELETE, "/api/v1/campaigns/CZ2023/teams/T01", headers: admin) { res async throws in
                XCTAssertEqual(res.status, .noContent, res.body.string)
            }
            try await app.test(.DELETE, "/api/v1/campaigns/CZ2022/teams/T03", headers: admin) { res async throws in
                XCTAssertEqual(res.status, .noContent, res.body.string)
            }
            try await app.test(.GET, "/api/v1/campaigns/CZ2022/teams/T03", headers: admin) { res async throws in
                XCTAssertEqual(res.status, .notFound)
            }

            // validate
            let remaining = try await links(app, "CZ2022")
            XCTAssertEqual(remaining, ["T01", "T02"])
            let stillThere = try await Team.query(on: app.db).filter(\.$code == "T03").count()
            XCTAssertEqual(stillThere, 1, "the team outlives the campaign it left")
            let audit = try await AuditEvent.query(on: app.db).filter(\.$objectType == "team").all()
            let actions = audit.map { "\($0.action) \($0.objectID)" }
            for expected in ["team.create T03", "team.join CZ2022/T03", "team.update T03", "team.interception CZ2022/T03",
                             "team.join CZ2023/T01", "team.leave CZ2023/T01", "team.leave CZ2022/T03"] {
                XCTAssertTrue(actions.contains(expected), "\(expected) in \(actions)")
            }
            XCTAssertFalse(actions.contains("team.leave CZ2022/T01"))
            XCTAssertTrue(audit.allSatisfy { $0.actor == "ad1" })
        }
    }

    func testTeamThroughTheWebForm() async throws {
        try await withEachDatabase { app, _ in
            // setup
            try await app.loadDemoCampaign()
            try await app.makeUser("ad1", .admin)
            try await app.makeUser("rv1", .reviewer)
            let admin = try await web(app, "ad1")

            // MUT
            try await app.test(.GET, "/campaigns/CZ2022/teams", headers: admin) { res async throws in
                XCTAssertTrue(res.body.string.contains("href=\"/campaigns/CZ2022/teams/new\""))
                XCTAssertTrue(res.body.string.contains("href=\"/campaigns/CZ2022/teams/T01\""))
            }
            try await app.test(.GET, "/campaigns/CZ2022/teams/new", headers: admin) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertTrue(res.body.string.contains("action=\"/campaigns/CZ2022/teams\""))
            }
            try await app.test(.POST, "/campaigns/CZ2022/teams", headers: admin,
                               beforeRequest: form(["code": "T04", "name": "检测四队", "contactPhone": "1390000"])) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.string.contains("1390000"), "the form names the bad phone")
                XCTAssertTrue(res.body.string.contains("检测四队"), "and keeps what was typed")
            }
            let none = try await Team.query(on: app.db).filter(\.$code == "T04").count()
            XCTAssertEqual(none, 0)
            try await app.test(.POST, "/campaigns/CZ2022/teams", headers: admin,
                               beforeRequest: form(["code": "T04", "name": "检测四队", "company": "四队公司", "contactName": "孙队长",
                                                    "contactPhone": "13900000004"])) { res async throws in
                XCTAssertEqual(res.status, .seeOther, res.body.string)
                XCTAssertEqual(res.headers.first(name: .location), "/campaigns/CZ2022/teams/T04")
            }
            try await app.test(.POST, "/campaigns/CZ2022/teams", headers: admin,
                               beforeRequest: form(["code": "T04", "name": "重复"])) { res async throws in
                XCTAssertEqual(res.status, .conflict)
                XCTAssertTrue(res.body.string.contains("T04"))
            }
            try await app.test(.GET, "/campaigns/CZ2022/teams/T04", headers: admin) { res async throws in
                XCTAssertEqual(res.status, .ok)
                let body = res.body.string
                XCTAssertTrue(body.contains("孙队长") && body.contains("13900000004"))
                XCTAssertTrue(body.contains("action=\"/campaigns/CZ2022/gateway/teams/T04\""), "suspend is the gateway's own switch")
                XCTAssertTrue(body.contains("action=\"/campaigns/CZ2022/teams/T04/members\""))
                XCTAssertTrue(body.contains("action=\"/campaigns/CZ2022/teams/T04/leave\""))
            }
            try await app.test(.POST, "/campaigns/CZ2022/teams/T04/edit", headers: admin,
                               beforeRequest: form(["name": "检测四队", "company": "", "contactName": "孙队长", "contactPhone": "13900000004"])) { res async throws in
                XCTAssertEqual(res.status, .seeOther)
            }
            let edited = try await Team.query(on: app.db).filter(\.$code == "T04").first()
            XCTAssertNil(edited?.company, "a blank field clears it")
            // Leaving from the page: refused for a team with findings, with the reason on the page.
            try await app.test(.POST, "/campaigns/CZ2022/teams/T02/leave", headers: admin, beforeRequest: form([:])) { res async throws in
                XCTAssertEqual(res.status, .conflict)
                XCTAssertTrue(res.body.string.contains("T02"))
            }
            try await app.test(.POST, "/campaigns/CZ2022/teams/T04/leave", headers: admin, beforeRequest: form([:])) { res async throws in
                XCTAssertEqual(res.status, .seeOther)
                XCTAssertEqual(res.headers.first(name: .location), "/campaigns/CZ2022/teams?left=T04")
            }

            // validate
            let remaining = try await links(app, "CZ2022")
            XCTAssertEqual(remaining, ["T01", "T02"])
            // A reviewer reads the list, without the set-up links they may not follow.
            try await app.test(.GET, "/campaigns/CZ2022/teams", headers: try await web(app, "rv1")) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertFalse(res.body.string.contains("/campaigns/CZ2022/teams/new"))
                XCTAssertFalse(res.body.string.contains("href=\"/campaigns/CZ2022/teams/T01\""))
            }
            let actions = try await AuditEvent.query(on: app.db).filter(\.$objectType == "team").all().map(\.action)
            XCTAssertEqual(actions.sorted(), ["team.create", "team.join", "team.leave", "team.update"])
        }
    }

    func testMembersInBulkBecomeTesterAccountsWithPasswordsShownOnce() async throws {
        try await withEachDatabase { app, _ in
            // setup
            try await app.loadDemoCampaign()
            try await app.makeUser("ad1", .admin)
            let admin = try await web(app, "ad1"), adminAPI = try await api(app, "ad1")
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/teams", headers: adminAPI, beforeRequest: { req async throws in
                try req.content.encode(TeamDraft(code: "T04", name: "检测四队"), as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .created) }
            let usersBefore = try await User.query(on: app.db).count()

            // MUT: pasted from a spreadsheet (tabs), typed (commas), a blank line, a chosen username
            var shown: [String] = []
            // As a browser sends a textarea: CRLF line breaks.
            let lines = "张三\t138 0000 0001\r\n李四\r\n\r\n王五，，wangwu\r\n"
            try await app.test(.POST, "/campaigns/CZ2022/teams/T04/members", headers: admin,
                               beforeRequest: form(["lines": lines])) { res async throws in
                XCTAssertEqual(res.status, .created, res.body.string)
                let body = res.body.string
                XCTAssertEqual(res.headers.first(name: .cacheControl), "no-store")
                for username in ["t04-01", "t04-02", "wangwu"] { XCTAssertTrue(body.contains(username), username) }
                let pattern = try NSRegularExpression(pattern: #"<code class="secret">([^<]+)</code>"#)
                shown = pattern.matches(in: body, range: NSRange(body.startIndex..., in: body)).map {
                    String(body[Range($0.range(at: 1), in: body)!])
                }
                XCTAssertEqual(shown.count, 3)
                XCTAssertTrue(body.contains("member-sheet"), "laid out to print as a sheet")
            }
            let usersAfter = try await User.query(on: app.db).count()
            XCTAssertEqual(usersAfter, usersBefore + 3)
            let zhang = try await User.query(on: app.db).filter(\.$username == "t04-01").with(\.$team).first()!
            XCTAssertEqual(zhang.displayName, "张三")
            XCTAssertEqual(zhang.phone, "13800000001")
            XCTAssertEqual(zhang.role, .tester)
            XCTAssertEqual(zhang.team?.code, "T04")
            XCTAssertTrue(zhang.mustChangePassword)
            XCTAssertNotEqual(zhang.passwordHash, shown[0], "stored hashed")
            // A second view of the team page shows the members, never their passwords.
            try await app.test(.GET, "/campaigns/CZ2022/teams/T04", headers: admin) { res async throws in
                XCTAssertTrue(res.body.string.contains("t04-01"))
                for password in shown { XCTAssertFalse(res.body.string.contains(password)) }
            }
            try await app.test(.GET, "/api/v1/campaigns/CZ2022/teams/T04", headers: adminAPI) { res async throws in
                XCTAssertEqual(try res.content.decode(TeamDetailDTO.self).members.map(\.username), ["t04-01", "t04-02", "wangwu"])
                for password in shown { XCTAssertFalse(res.body.string.contains(password)) }
            }
            let logged = try await AuditEvent.query(on: app.db).all().map { $0.details + $0.objectID }.joined()
            for password in shown { XCTAssertFalse(logged.contains(password), "no password in the audit log") }

            // The API: the next generated username skips those taken; the password is in the answer only.
            var apiPassword = ""
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/teams/T04/members", headers: adminAPI, beforeRequest: { req async throws in
                try req.content.encode(TeamMembersDraft(members: [.init(name: "赵六"), .init(name: "钱七", username: "QianQi")]), as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .created, res.body.string)
                let made = try res.content.decode(TeamMembersCreatedDTO.self)
                XCTAssertEqual(made.members.map(\.username), ["t04-03", "qianqi"])
                apiPassword = made.members[0].password
            }
            // Signing in with an initial password forces its change first.
            var token = ""
            try await app.test(.POST, "/api/v1/auth/login", beforeRequest: { req async throws in
                try req.content.encode(["username": "t04-03", "password": apiPassword], as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .ok, res.body.string)
                token = try res.content.get(String.self, at: "token")
            }
            try await app.test(.GET, "/api/v1/campaigns", headers: ["Authorization": "Bearer \(token)"]) { res async throws in
                XCTAssertEqual(res.status, .forbidden)
                XCTAssertTrue(res.body.string.contains("password_change_required"))
            }

            // Refusals name the row and value; nothing of the batch is made.
            let usersBeforeRefusals = try await User.query(on: app.db).count()
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/teams/T04/members", headers: adminAPI, beforeRequest: { req async throws in
                try req.content.encode(TeamMembersDraft(members: [.init(name: "新人"), .init(name: "重名", username: "wangwu")]), as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .conflict)
                XCTAssertTrue(res.body.string.contains("wangwu") && res.body.string.contains("2"), res.body.string)
            }
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/teams/T04/members", headers: adminAPI, beforeRequest: { req async throws in
                try req.content.encode(TeamMembersDraft(members: [.init(name: "甲", username: "same-one"), .init(name: "乙", username: "same-one")]),
                                       as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .conflict)
                XCTAssertTrue(res.body.string.contains("same-one"), res.body.string)
            }
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/teams/T04/members", headers: adminAPI, beforeRequest: { req async throws in
                try req.content.encode(TeamMembersDraft(members: [.init(name: "丙"), .init(name: "丁", phone: "1380000")]), as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.string.contains("1380000"), res.body.string)
            }
            try await app.test(.POST, "/campaigns/CZ2022/teams/T04/members", headers: admin,
                               beforeRequest: form(["lines": "戊\n己\tqianqi"])) { res async throws in
                XCTAssertEqual(res.status, .conflict)
                XCTAssertTrue(res.body.string.contains("qianqi"), "the page names the taken username")
                XCTAssertTrue(res.body.string.contains("戊"), "and keeps what was typed")
            }
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/teams/T04/members", headers: adminAPI, beforeRequest: { req async throws in
                try req.content.encode(TeamMembersDraft(members: []), as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .unprocessableEntity) }

            // validate
            let usersAfterRefusals = try await User.query(on: app.db).count()
            XCTAssertEqual(usersAfterRefusals, usersBeforeRefusals, "nothing half-made")
            let created = try await AuditEvent.query(on: app.db).filter(\.$action == "user.create").filter(\.$actor == "ad1").count()
            XCTAssertEqual(created, 5)
            let batches = try await AuditEvent.query(on: app.db).filter(\.$action == "team.members.add").all()
            XCTAssertEqual(batches.count, 2)
            XCTAssertTrue(batches.allSatisfy { $0.objectID == "CZ2022/T04" })
        }
    }
}
