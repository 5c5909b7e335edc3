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
        route(.GET, .healthz): "AAAAAA",
        route(.GET, .home): "DAAAAA",
        route(.GET, .login): "AAAAAA",
        route(.POST, .login): "AAAAAA",
        route(.POST, .logout): "DAAAAA",
        route(.GET, .password): "DAAAAA",
        route(.POST, .password): "DAAAAA",
        route(.GET, .language(.key)): "AAAAAA",
        route(.POST, .api(.login)): "AAAAAA",
        route(.POST, .api(.logout)): "DAAAAA",
        route(.GET, .api(.me)): "DAAAAA",
        route(.POST, .api(.password)): "DAAAAA",
        route(.GET, .campaigns): "DAAAAA",
        route(.GET, .campaign(.key, .overview)): "DAAAAA",
        route(.POST, .campaign(.key, .state)): "DADDDD",
        route(.GET, .campaign(.key, .state)): "DADDDD",
        route(.GET, .campaign(.key, .importList)): "DADDDD",
        route(.GET, .campaign(.key, .newUnit)): "DADDDD",
        route(.POST, .campaign(.key, .remindDeclarations)): "DADDDD",
        route(.POST, .api(.campaign(.key, .remindDeclarations))): "DADDDD",
        route(.POST, .campaign(.key, .units)): "DADDDD",
        route(.GET, .campaign(.key, .unit(.key, .edit))): "DADDDD",
        route(.POST, .campaign(.key, .unit(.key, .edit))): "DADDDD",
        route(.POST, .campaign(.key, .unit(.key, .retire))): "DADDDD",
        route(.POST, .api(.campaign(.key, .units))): "DADDDD",
        route(.PATCH, .api(.campaign(.key, .unit(.key, .page)))): "DADDDD",
        route(.DELETE, .api(.campaign(.key, .unit(.key, .page)))): "DADDDD",
        route(.POST, .campaign(.key, .importList)): "DADDDD",
        route(.POST, .campaign(.key, .importConfirm)): "DADDDD",
        route(.GET, .importTemplate(.key)): "DADDDD",
        route(.POST, .api(.campaign(.key, .importUnits))): "DADDDD",
        route(.POST, .api(.campaign(.key, .importAssets))): "DADDDD",
        route(.POST, .api(.campaign(.key, .importTeams))): "DADDDD",
        route(.GET, .newCampaign): "DADDDD",
        route(.POST, .campaigns): "DADDDD",
        route(.GET, .campaign(.key, .edit)): "DADDDD",
        route(.POST, .campaign(.key, .edit)): "DADDDD",
        route(.POST, .api(.campaigns)): "DADDDD",
        route(.PATCH, .api(.campaign(.key, .overview))): "DADDDD",
        route(.GET, .api(.campaign(.key, .readiness))): "DADDDD",
        route(.POST, .api(.campaign(.key, .state))): "DADDDD",
        route(.GET, .api(.campaigns)): "DAAAAA",
        route(.GET, .api(.campaign(.key, .overview))): "DAAAAA",
        route(.GET, .campaign(.key, .units)): "DAAAAA",
        route(.GET, .campaign(.key, .unit(.key, .page))): "DAAADA",
        route(.GET, .api(.campaign(.key, .units))): "DAAAAA",
        route(.GET, .api(.campaign(.key, .unit(.key, .page)))): "DAAADA",
        route(.GET, .campaign(.key, .assets)): "DAAAAA",
        route(.GET, .campaign(.key, .unit(.key, .newAsset))): "DADDDD",
        route(.POST, .campaign(.key, .unit(.key, .assets))): "DADDDD",
        route(.GET, .campaign(.key, .asset(.key, .edit))): "DADDDD",
        route(.POST, .campaign(.key, .asset(.key, .page))): "DADDDD",
        route(.POST, .campaign(.key, .asset(.key, .delete))): "DADDDD",
        route(.GET, .api(.campaign(.key, .assets))): "DAAAAA",
        route(.POST, .api(.campaign(.key, .assets))): "DADDDD",
        route(.GET, .api(.campaign(.key, .asset(.key, .page)))): "DAAADA",
        route(.PATCH, .api(.campaign(.key, .asset(.key, .page)))): "DADDDD",
        route(.DELETE, .api(.campaign(.key, .asset(.key, .page)))): "DADDDD",
        route(.POST, .campaign(.key, .asset(.key, .internalNetwork))): "DADDDD",
        route(.PUT, .api(.campaign(.key, .asset(.key, .internalNetwork)))): "DADDDD",
        route(.POST, .campaign(.key, .asset(.key, .review))): "DAADDD",
        route(.POST, .campaign(.key, .assetReview)): "DAADDD",
        route(.PUT, .api(.campaign(.key, .asset(.key, .review)))): "DAADDD",
        route(.POST, .api(.campaign(.key, .assetReview))): "DAADDD",
        route(.GET, .api(.campaign(.key, .teams))): "DAAADA",
        route(.GET, .campaign(.key, .teams)): "DAAADA",
        // Team set-up, admin only. Team T02 has findings in the demo: leaving is refused, nothing changes.
        route(.GET, .campaign(.key, .team(.key, .page))): "DADDDD",
        route(.GET, .api(.campaign(.key, .team(.key, .page)))): "DADDDD",
        route(.GET, .campaign(.key, .newTeam)): "DADDDD",
        route(.POST, .campaign(.key, .teams)): "DADDDD",
        route(.GET, .campaign(.key, .team(.key, .edit))): "DADDDD",
        route(.POST, .campaign(.key, .team(.key, .edit))): "DADDDD",
        route(.POST, .campaign(.key, .team(.key, .members))): "DADDDD",
        route(.POST, .campaign(.key, .team(.key, .leave))): "DADDDD",
        route(.POST, .api(.campaign(.key, .teams))): "DADDDD",
        route(.DELETE, .api(.campaign(.key, .team(.key, .page)))): "DADDDD",
        route(.POST, .api(.campaign(.key, .team(.key, .members)))): "DADDDD",
        route(.GET, .users): "DADDDD",
        route(.GET, .newUser): "DADDDD",
        route(.POST, .users): "DADDDD",
        route(.POST, .user(.key, .disable)): "DADDDD",
        route(.POST, .user(.key, .enable)): "DADDDD",
        route(.POST, .user(.key, .reset)): "DADDDD",
        route(.GET, .api(.users)): "DADDDD",
        route(.POST, .api(.users)): "DADDDD",
        route(.GET, .api(.user(.key, .page))): "DADDDD",
        route(.PATCH, .api(.user(.key, .page))): "DADDDD",
        route(.POST, .api(.user(.key, .password))): "DADDDD",
        route(.GET, .audit): "DADDDD",
        route(.GET, .api(.openAPI)): "AAAAAA",
        // The demo campaign is closed, not published: liaisons see no scores yet.
        route(.GET, .campaign(.key, .scores)): "DAADDA",
        route(.GET, .campaign(.key, .scoresCSV)): "DAADDA",
        route(.GET, .campaign(.key, .unitScore(.key))): "DAADDA",
        route(.POST, .campaign(.key, .publishScores)): "DADDDD",
        route(.GET, .campaign(.key, .scoringPolicy)): "DAAAAA",
        route(.POST, .campaign(.key, .scoringPolicy)): "DADDDD",
        route(.GET, .api(.campaign(.key, .scores))): "DAADDA",
        route(.GET, .api(.campaign(.key, .unitScore(.key)))): "DAADDA",
        route(.POST, .api(.campaign(.key, .publishScores))): "DADDDD",
        route(.GET, .api(.campaign(.key, .scoringPolicy))): "DAAAAA",
        route(.PUT, .api(.campaign(.key, .scoringPolicy))): "DADDDD",
        // A notified finding of another unit (not D01) and another team (not T01).
        route(.GET, .campaign(.key, .finding(.key, .page))): "DAADDD",
        route(.GET, .campaign(.key, .findings)): "DAAAAD",
        route(.GET, .campaign(.key, .newFinding)): "DDDADD",
        route(.POST, .campaign(.key, .findings)): "DDDADD",
        route(.GET, .campaign(.key, .finding(.key, .edit))): "DDDDDD",
        route(.POST, .campaign(.key, .finding(.key, .page))): "DDDDDD",
        route(.POST, .campaign(.key, .finding(.key, .review))): "DAADDD",
        route(.POST, .campaign(.key, .finding(.key, .remediations))): "DDDDDD",
        route(.POST, .campaign(.key, .finding(.key, .retests))): "DAADDD",
        route(.GET, .campaign(.key, .notices)): "DAADAD",
        route(.POST, .campaign(.key, .notices)): "DADDDD",
        // A notice of unit D02: the D01 liaison must not read it.
        route(.GET, .campaign(.key, .notice(.key))): "DAADDD",
        // Only the notice's own unit's liaison signs for it (a D02 notice: nobody in the table).
        route(.POST, .campaign(.key, .noticeReceipt(.key))): "DDDDDD",
        route(.POST, .api(.campaign(.key, .noticeReceipt(.key)))): "DDDDDD",
        // The finding lifecycle API. The demo campaign is closed, so a tester's submission is refused
        // with 409 (window closed), which counts as "allowed through the policy".
        route(.POST, .api(.campaign(.key, .findings))): "DDDADD",
        route(.GET, .api(.campaign(.key, .findings))): "DAAAAD",
        route(.GET, .api(.campaign(.key, .finding(.key, .page)))): "DAADDD",
        route(.PATCH, .api(.campaign(.key, .finding(.key, .page)))): "DDDDDD",
        route(.POST, .api(.campaign(.key, .finding(.key, .review)))): "DAADDD",
        route(.POST, .api(.campaign(.key, .finding(.key, .remediations)))): "DDDDDD",
        route(.POST, .api(.campaign(.key, .finding(.key, .retests)))): "DAADDD",
        route(.POST, .api(.campaign(.key, .finding(.key, .shellCheck)))): "DAADDD",
        route(.POST, .campaign(.key, .finding(.key, .shellCheck))): "DAADDD",
        route(.POST, .api(.campaign(.key, .notices))): "DADDDD",
        route(.GET, .api(.campaign(.key, .notices))): "DAADAD",
        route(.GET, .api(.sms)): "DADDDD",
        route(.GET, .sms): "DADDDD",
        route(.POST, .smsMessage(.key, .resend)): "DADDDD",
        route(.POST, .smsTest): "DADDDD",
        route(.POST, .smsSettings): "DADDDD",
        // Evidence of the foreign finding (notified, D02's, team T02): staff only. The admin's and
        // reviewer's upload has no file, so it is refused with 422 after the policy let it through.
        route(.POST, .api(.campaign(.key, .finding(.key, .evidence)))): "DAADDD",
        route(.GET, .api(.campaign(.key, .finding(.key, .evidence)))): "DAADDD",
        route(.GET, .api(.campaign(.key, .finding(.key, .evidenceFile(.key))))): "DAADDD",
        route(.POST, .campaign(.key, .finding(.key, .evidence))): "DAADDD",
        route(.GET, .campaign(.key, .finding(.key, .evidenceFile(.key)))): "DAADDD",
        // The gateway. The record belongs to team T02 (not the tester's T01); the API tester route
        // is the tester's own list, filtered to their team. Switches act on team T02.
        route(.GET, .api(.campaign(.key, .gateway(.records)))): "DAAADD",
        route(.GET, .api(.campaign(.key, .gateway(.recordsExport)))): "DAAADD",
        route(.GET, .api(.campaign(.key, .gateway(.record(.key, .page))))): "DAADDD",
        route(.POST, .api(.campaign(.key, .gateway(.record(.key, .attach))))): "DAADDD",
        route(.POST, .api(.campaign(.key, .gateway(.record(.key, .replay))))): "DAADDD",
        route(.GET, .api(.campaign(.key, .gateway(.ca)))): "DAAADD",
        route(.PATCH, .api(.campaign(.key, .gateway(.page)))): "DADDDD",
        route(.POST, .api(.campaign(.key, .team(.key, .suspend)))): "DADDDD",
        route(.POST, .api(.campaign(.key, .team(.key, .resume)))): "DADDDD",
        route(.PATCH, .api(.campaign(.key, .team(.key, .page)))): "DADDDD",
        route(.POST, .api(.gatewayToken)): "DDDADD",
        route(.GET, .campaign(.key, .gateway(.page))): "DAAADD",
        route(.GET, .campaign(.key, .gateway(.ca))): "DAAADD",
        route(.POST, .campaign(.key, .gateway(.token))): "DDDADD",
        route(.POST, .campaign(.key, .gateway(.interceptAll))): "DADDDD",
        route(.POST, .campaign(.key, .gateway(.settings))): "DADDDD",
        route(.POST, .campaign(.key, .gateway(.team(.key)))): "DADDDD",
        route(.GET, .campaign(.key, .gateway(.records))): "DAAADD",
        route(.GET, .campaign(.key, .gateway(.recordsExport))): "DAAADD",
        route(.GET, .campaign(.key, .gateway(.record(.key, .page)))): "DAADDD",
        route(.POST, .campaign(.key, .gateway(.record(.key, .replay)))): "DAADDD",
        route(.POST, .campaign(.key, .gateway(.record(.key, .attach)))): "DAADDD",
    ]

    /// A matrix key: the method and the route's registered path, from `SiteURL`.
    static func route(_ method: HTTPMethod, _ url: SiteURL) -> String { "\(method.rawValue) \(url.path)" }

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
                    case ":template": "units.xlsx"
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
                let units = try res.content.decode(APIPage<UnitDTO>.self).items
                XCTAssertEqual(units.map(\.code), ["D01"])
            }
            try await app.test(.GET, "/api/v1/campaigns/CZ2022/assets", headers: auth) { res async throws in
                let assets = try res.content.decode(APIPage<AssetDTO>.self).items
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
