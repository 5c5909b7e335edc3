import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// Every route × every role: allowed or refused, as the table says. The table must list every
/// registered route, so a new route cannot be added without deciding who may use it.
final class AuthorizationMatrixTests: XCTestCase {
    /// Columns: anonymous, admin, reviewer, tester, liaison (of D01), observer. A = allowed, D = refused.
    /// Object routes use unit D02 / its assets, which the D01 liaison must not reach.
    static let expected: [String: String] = [
        "GET /healthz": "AAAAAA",
        "GET /": "DAAAAA",
        "GET /login": "AAAAAA",
        "POST /login": "AAAAAA",
        "POST /logout": "DAAAAA",
        "GET /password": "DAAAAA",
        "POST /password": "DAAAAA",
        "GET /lang/:language": "AAAAAA",
        "POST /api/v1/auth/login": "AAAAAA",
        "POST /api/v1/auth/logout": "DAAAAA",
        "GET /api/v1/auth/me": "DAAAAA",
        "POST /api/v1/auth/password": "DAAAAA",
        "GET /campaigns": "DAAAAA",
        "GET /campaigns/:campaign": "DAAAAA",
        "POST /campaigns/:campaign/state": "DADDDD",
        "GET /api/v1/campaigns": "DAAAAA",
        "GET /api/v1/campaigns/:campaign": "DAAAAA",
        "GET /campaigns/:campaign/units": "DAAAAA",
        "GET /campaigns/:campaign/units/:unit": "DAAADA",
        "GET /api/v1/campaigns/:campaign/units": "DAAAAA",
        "GET /api/v1/campaigns/:campaign/units/:unit": "DAAADA",
        "GET /campaigns/:campaign/assets": "DAAAAA",
        "GET /campaigns/:campaign/units/:unit/assets/new": "DADDDD",
        "POST /campaigns/:campaign/units/:unit/assets": "DADDDD",
        "GET /campaigns/:campaign/assets/:asset/edit": "DADDDD",
        "POST /campaigns/:campaign/assets/:asset": "DADDDD",
        "POST /campaigns/:campaign/assets/:asset/delete": "DADDDD",
        "GET /api/v1/campaigns/:campaign/assets": "DAAAAA",
        "POST /api/v1/campaigns/:campaign/assets": "DADDDD",
        "GET /api/v1/campaigns/:campaign/assets/:asset": "DAAADA",
        "PATCH /api/v1/campaigns/:campaign/assets/:asset": "DADDDD",
        "DELETE /api/v1/campaigns/:campaign/assets/:asset": "DADDDD",
        "GET /api/v1/campaigns/:campaign/teams": "DAAADA",
        "GET /campaigns/:campaign/teams": "DAAADA",
        "GET /admin/users": "DADDDD",
        "GET /admin/users/new": "DADDDD",
        "POST /admin/users": "DADDDD",
        "POST /admin/users/:user/disable": "DADDDD",
        "POST /admin/users/:user/enable": "DADDDD",
        "POST /admin/users/:user/reset": "DADDDD",
        "GET /api/v1/users": "DADDDD",
        "POST /api/v1/users": "DADDDD",
        "GET /api/v1/users/:user": "DADDDD",
        "PATCH /api/v1/users/:user": "DADDDD",
        "POST /api/v1/users/:user/password": "DADDDD",
        "GET /admin/audit": "DADDDD",
        "GET /api/v1/openapi.json": "AAAAAA",
        // The demo campaign is closed, not published: liaisons see no scores yet.
        "GET /campaigns/:campaign/scores": "DAADDA",
        "GET /campaigns/:campaign/scores.csv": "DAADDA",
        "GET /campaigns/:campaign/scores/:unit": "DAADDA",
        "POST /campaigns/:campaign/scores/publish": "DADDDD",
        "GET /campaigns/:campaign/scoring-policy": "DAAAAA",
        "POST /campaigns/:campaign/scoring-policy": "DADDDD",
        "GET /api/v1/campaigns/:campaign/scores": "DAADDA",
        "GET /api/v1/campaigns/:campaign/scores/:unit": "DAADDA",
        "POST /api/v1/campaigns/:campaign/scores/publish": "DADDDD",
        "GET /api/v1/campaigns/:campaign/scoring-policy": "DAAAAA",
        "PUT /api/v1/campaigns/:campaign/scoring-policy": "DADDDD",
        // A notified finding of another unit (not D01) and another team (not T01).
        "GET /campaigns/:campaign/findings/:finding": "DAADDD",
        "GET /campaigns/:campaign/findings": "DAAAAD",
        "GET /campaigns/:campaign/findings/new": "DDDADD",
        "POST /campaigns/:campaign/findings": "DDDADD",
        "GET /campaigns/:campaign/findings/:finding/edit": "DDDDDD",
        "POST /campaigns/:campaign/findings/:finding": "DDDDDD",
        "POST /campaigns/:campaign/findings/:finding/review": "DAADDD",
        "POST /campaigns/:campaign/findings/:finding/remediations": "DDDDDD",
        "POST /campaigns/:campaign/findings/:finding/retests": "DAADDD",
        "GET /campaigns/:campaign/notices": "DAADAD",
        "POST /campaigns/:campaign/notices": "DADDDD",
        // A notice of unit D02: the D01 liaison must not read it.
        "GET /campaigns/:campaign/notices/:notice": "DAADDD",
        // The finding lifecycle API. The demo campaign is closed, so a tester's submission is refused
        // with 409 (window closed), which counts as "allowed through the policy".
        "POST /api/v1/campaigns/:campaign/findings": "DDDADD",
        "GET /api/v1/campaigns/:campaign/findings": "DAAAAD",
        "GET /api/v1/campaigns/:campaign/findings/:finding": "DAADDD",
        "PATCH /api/v1/campaigns/:campaign/findings/:finding": "DDDDDD",
        "POST /api/v1/campaigns/:campaign/findings/:finding/review": "DAADDD",
        "POST /api/v1/campaigns/:campaign/findings/:finding/remediations": "DDDDDD",
        "POST /api/v1/campaigns/:campaign/findings/:finding/retests": "DAADDD",
        "POST /api/v1/campaigns/:campaign/findings/:finding/shell-check": "DAADDD",
        "POST /campaigns/:campaign/findings/:finding/shell-check": "DAADDD",
        "POST /api/v1/campaigns/:campaign/notices": "DADDDD",
        "GET /api/v1/campaigns/:campaign/notices": "DAADAD",
        "GET /api/v1/sms": "DADDDD",
        "GET /admin/sms": "DADDDD",
        "POST /admin/sms/:message/resend": "DADDDD",
        "POST /admin/sms/test": "DADDDD",
        "POST /admin/sms/settings": "DADDDD",
        // Evidence of the foreign finding (notified, D02's, team T02): staff only. The admin's and
        // reviewer's upload has no file, so it is refused with 422 after the policy let it through.
        "POST /api/v1/campaigns/:campaign/findings/:finding/evidence": "DAADDD",
        "GET /api/v1/campaigns/:campaign/findings/:finding/evidence": "DAADDD",
        "GET /api/v1/campaigns/:campaign/findings/:finding/evidence/:evidence": "DAADDD",
        "POST /campaigns/:campaign/findings/:finding/evidence": "DAADDD",
        "GET /campaigns/:campaign/findings/:finding/evidence/:evidence": "DAADDD",
        // The gateway. The record belongs to team T02 (not the tester's T01); the API tester route
        // is the tester's own list, filtered to their team. Switches act on team T02.
        "GET /api/v1/campaigns/:campaign/gateway/records": "DAAADD",
        "GET /api/v1/campaigns/:campaign/gateway/records/export": "DAAADD",
        "GET /api/v1/campaigns/:campaign/gateway/records/:record": "DAADDD",
        "POST /api/v1/campaigns/:campaign/gateway/records/:record/attach": "DAADDD",
        "POST /api/v1/campaigns/:campaign/gateway/records/:record/replay": "DAADDD",
        "GET /api/v1/campaigns/:campaign/gateway/ca.pem": "DAAADD",
        "PATCH /api/v1/campaigns/:campaign/gateway": "DADDDD",
        "POST /api/v1/campaigns/:campaign/teams/:team/suspend": "DADDDD",
        "POST /api/v1/campaigns/:campaign/teams/:team/resume": "DADDDD",
        "PATCH /api/v1/campaigns/:campaign/teams/:team": "DADDDD",
        "POST /api/v1/gateway/token": "DDDADD",
        "GET /campaigns/:campaign/gateway": "DAAADD",
        "GET /campaigns/:campaign/gateway/ca.pem": "DAAADD",
        "POST /campaigns/:campaign/gateway/token": "DDDADD",
        "POST /campaigns/:campaign/gateway/intercept-all": "DADDDD",
        "POST /campaigns/:campaign/gateway/settings": "DADDDD",
        "POST /campaigns/:campaign/gateway/teams/:team": "DADDDD",
        "GET /campaigns/:campaign/gateway/records": "DAAADD",
        "GET /campaigns/:campaign/gateway/records/export": "DAAADD",
        "GET /campaigns/:campaign/gateway/records/:record": "DAADDD",
        "POST /campaigns/:campaign/gateway/records/:record/replay": "DAADDD",
        "POST /campaigns/:campaign/gateway/records/:record/attach": "DAADDD",
    ]

    static let roles: [(String?, Role?)] = [(nil, nil), ("m-admin", .admin), ("m-reviewer", .reviewer), ("m-tester", .tester),
                                            ("m-liaison", .liaison), ("m-observer", .observer)]

    func key(_ route: Route) -> String {
        "\(route.method.rawValue) /" + route.path.map { "\($0)" }.joined(separator: "/")
    }

    func testEveryRouteDeclaresAccessAndIsInTheTable() async throws {
        try await withEachDatabase { app, _ in
            let registered = Set(app.routes.all.map(key))
            XCTAssertEqual(registered.subtracting(Self.expected.keys), [], "routes missing from the matrix")
            XCTAssertEqual(Set(Self.expected.keys).subtracting(registered), [], "matrix rows for routes that do not exist")
            for route in app.routes.all { XCTAssertNotNil(route.access, "\(key(route)) has no access rule") }
        }
    }

    func testMatrix() async throws {
        try await withEachDatabase { app, location in
            try await app.loadDemoCampaign()
            for (name, role) in Self.roles {
                guard let name, let role else { continue }
                try await app.makeUser(name, role, unit: role == .liaison ? "D01" : nil, team: role == .tester ? "T01" : nil)
            }
            try await app.makeUser("victim", .observer)
            let foreignFinding = try await Finding.query(on: app.db).with(\.$unit).with(\.$team).all()
                .first { $0.unit.code != "D01" && $0.team.code != "T01" && $0.status.isNotified }!.code
            let foreignNotice = try await Notice.query(on: app.db).with(\.$unit).all().first { $0.unit.code != "D01" }!.code
            // One stored file on the foreign finding, so the download routes have something to refuse or serve.
            let store = EvidenceStore(dataDirectory: app.patrolOptions.dataDirectory)
            let evidence = EvidenceFile()
            evidence.$finding.id = try await Finding.query(on: app.db).filter(\.$code == foreignFinding).first()!.requireID()
            evidence.sha256 = try store.save(Data("evidence".utf8))
            evidence.size = 8
            evidence.contentType = "text/plain; charset=utf-8"
            evidence.originalName = "e.txt"
            try await evidence.create(on: app.db)
            let evidenceID = evidence.id!.uuidString
            // One gateway record of team T02, to an address no asset names (a replay is refused, not sent).
            let campaignRow = try await Campaign.query(on: app.db).filter(\.$code == "CZ2022").first()!
            let t02 = try await Team.query(on: app.db).filter(\.$code == "T02").first()!
            var gatewayRow = GatewayRecordRow(client: "127.0.0.1", kind: "http", url: "http://[2001:db8::dead]/", host: "2001:db8::dead",
                                              port: 80, startedAt: Date(), decision: "allowed")
            gatewayRow.campaignID = try campaignRow.requireID()
            gatewayRow.teamID = try t02.requireID()
            gatewayRow.method = "GET"
            gatewayRow.status = 200
            let recordID = String(try await GatewayRecordRow.insertReturningID(gatewayRow, on: app.db))
            var serial = 0
            // Admin last, so a route that changes something is first tried by those who must be refused.
            let order = [0, 2, 3, 4, 5, 1]
            for route in app.routes.all.sorted(by: { key($0) < key($1) }) {
                let rowKey = key(route)
                guard let rowText = Self.expected[rowKey] else { continue }
                let row = Array(rowText)
                let deleting = rowKey.hasSuffix("/delete") || route.method == .DELETE
                var assetCode = "D02-1"
                if deleting {
                    serial += 1
                    let campaign = try await Campaign.query(on: app.db).filter(\.$code == "CZ2022").first()!
                    let unit = try await PatrolStore.Unit.query(on: app.db).filter(\.$code == "D02").first()!
                    assetCode = "D02-9\(serial)"
                    try await Asset(campaignID: campaign.requireID(), unitID: unit.requireID(), code: assetCode, kind: .ip,
                                    target: "192.0.2.\(serial)", origin: .declared).create(on: app.db)
                }
                let path = route.path.map { component -> String in
                    switch "\(component)" {
                    case ":campaign": "CZ2022"
                    case ":unit": "D02"
                    case ":asset": assetCode
                    case ":user": "victim"
                    case ":finding": foreignFinding
                    case ":notice": foreignNotice
                    case ":evidence": evidenceID
                    case ":record": recordID
                    case ":team": "T02"
                    case ":message": UUID().uuidString
                    case ":language": "en"
                    default: "\(component)"
                    }
                }.joined(separator: "/")
                for index in order {
                    let (username, _) = Self.roles[index]
                    serial += 1
                    let isAPI = path.hasPrefix("api/")
                    var headers: HTTPHeaders = ["Cookie": "patrol_csrf=\(testCSRF)"]
                    if let username {
                        let token = try await app.token(for: username, kind: isAPI ? .api : .web)
                        if isAPI { headers.add(name: .authorization, value: "Bearer \(token)") }
                        else { headers.replaceOrAdd(name: .cookie, value: "patrol_csrf=\(testCSRF); patrol_session=\(token)") }
                    }
                    let target = "https://m\(serial).d02.changzhou.example/"
                    try await app.test(route.method, "/" + path, headers: headers, beforeRequest: { req async throws in
                        guard route.method != .GET else { return }
                        if isAPI {
                            if path.hasSuffix("/assets") {
                                try req.content.encode(["unit": "D02", "kind": "website", "target": target], as: .json)
                            } else {
                                try req.content.encode([String: String](), as: .json)
                            }
                        } else {
                            req.headers.contentType = .urlEncodedForm
                            req.body = .init(string: formBody(["kind": "website", "target": target]))
                        }
                    }, afterResponse: { res async throws in
                        let location = res.headers.first(name: .location) ?? ""
                        let refused = [401, 403, 404].contains(Int(res.status.code))
                            || (res.status == .seeOther && location.hasPrefix("/login") && path != "login" && !(path == "logout" && location == "/login"))
                        let allowed = !refused && res.status.code < 500
                        let who = username ?? "anonymous"
                        if row[index] == "A" {
                            XCTAssertTrue(allowed, "\(location.isEmpty ? "" : location) \(rowKey) as \(who) should be allowed, got \(res.status.code) on \(location)")
                        } else {
                            XCTAssertTrue(refused, "\(rowKey) as \(who) should be refused, got \(res.status.code)")
                        }
                    })
                }
            }
            _ = location
        }
    }

    func testLiaisonNeverSeesAnotherUnitsData() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            try await app.makeUser("li1", .liaison, unit: "D01")
            let token = try await app.token(for: "li1", kind: .api)
            let auth: HTTPHeaders = ["Authorization": "Bearer \(token)"]
            try await app.test(.GET, "/api/v1/campaigns/CZ2022/units", headers: auth) { res async throws in
                let units = try res.content.decode([UnitDTO].self)
                XCTAssertEqual(units.map(\.code), ["D01"])
            }
            try await app.test(.GET, "/api/v1/campaigns/CZ2022/assets", headers: auth) { res async throws in
                let assets = try res.content.decode([AssetDTO].self)
                XCTAssertFalse(assets.isEmpty)
                XCTAssertTrue(assets.allSatisfy { $0.unit == "D01" })
            }
            try await app.test(.GET, "/api/v1/campaigns/CZ2022/units/D02", headers: auth) { res async throws in
                XCTAssertEqual(res.status, .notFound)
                XCTAssertFalse(res.body.string.contains("金坛"))
            }
        }
    }

    func testTesterNeverSeesLiaisonContacts() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            try await app.makeUser("te1", .tester, team: "T01")
            let api = try await app.token(for: "te1", kind: .api)
            try await app.test(.GET, "/api/v1/campaigns/CZ2022/units/D01", headers: ["Authorization": "Bearer \(api)"]) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertNil(try res.content.decode(UnitDTO.self).liaisons)
                XCTAssertFalse(res.body.string.contains("138000"))
            }
            let web = try await app.token(for: "te1", kind: .web)
            try await app.test(.GET, "/campaigns/CZ2022/units/D01", headers: ["Cookie": "patrol_session=\(web)"]) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertFalse(res.body.string.contains("138000"))
            }
        }
    }

    func testLiaisonDeclaresAssetsOnlyBeforeTheCampaignRuns() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            try await app.makeUser("li1", .liaison, unit: "D01")
            let auth: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "li1", kind: .api))"]
            let body = ["unit": "D01", "kind": "website", "target": "https://new.d01.changzhou.example/"]
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/assets", headers: auth, beforeRequest: { req async throws in
                try req.content.encode(body, as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .forbidden) }
            let campaign = try await Campaign.query(on: app.db).filter(\.$code == "CZ2022").first()!
            campaign.state = .draft
            try await campaign.save(on: app.db)
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/assets", headers: auth, beforeRequest: { req async throws in
                try req.content.encode(body, as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .created)
                XCTAssertEqual(try res.content.decode(AssetDTO.self).unit, "D01")
            }
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/assets", headers: auth, beforeRequest: { req async throws in
                try req.content.encode(["unit": "D01", "kind": "ip", "target": "999.1.1.1"], as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.string.contains("999.1.1.1"))
            }
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/assets", headers: auth, beforeRequest: { req async throws in
                try req.content.encode(["unit": "D02", "kind": "website", "target": "https://x.d02.changzhou.example/"], as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .notFound) }
            let logged = try await AuditEvent.query(on: app.db).filter(\.$action == "asset.create").count()
            XCTAssertEqual(logged, 1)
        }
    }
}
