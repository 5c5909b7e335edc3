import Fluent
import SQLKit
import Foundation
import PatrolCore
@testable import PatrolGateway
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// The gateway through the product's API and pages, with real traffic recorded by the live rig:
/// who sees which records, filters, export, evidence, replay, switches, CA and tokens.
extension GatewayLiveTests {
    func api(_ app: Application, _ username: String) async throws -> HTTPHeaders {
        ["Authorization": "Bearer \(try await app.token(for: username, kind: .api))"]
    }

    func web(_ app: Application, _ username: String) async throws -> HTTPHeaders {
        ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(try await app.token(for: username, kind: .web))"]
    }

    /// Traffic from two teams: T01 one allowed request and one refused, T02 one allowed request.
    func traffic(_ rig: GatewayRig) async throws {
        _ = try viaProxy(rig, ["--data-binary", "DROP TABLE t01", "http://127.0.0.1:\(rig.http.port)/echo"])
        _ = try viaProxy(rig, ["http://203.0.113.9/outside"])
        _ = try viaProxy(rig, user: "gw-tester2", token: rig.token2, ["http://127.0.0.1:\(rig.http.port)/team-two"])
        try await rig.flush()
    }

    func testTestersSeeOnlyTheirTeamsRecordsAndFiltersNameBadInput() async throws {
        try await withGatewayRig { rig in
            let app = rig.app
            try await app.makeUser("gw-liaison", .liaison, unit: "D01")
            try await traffic(rig)
            let base = "/api/v1/campaigns/CZ2022/gateway/records"
            let tester = try await api(app, "gw-tester"), reviewer = try await api(app, "gw-reviewer")
            var foreignID = 0
            try await app.test(.GET, base, headers: reviewer) { res async throws in
                XCTAssertEqual(res.status, .ok)
                let list = try res.content.decode(GatewayController.RecordList.self)
                XCTAssertEqual(list.total, 3)
                XCTAssertEqual(Set(list.records.compactMap(\.team)), ["T01", "T02"])
                XCTAssertNil(list.records[0].responseBody, "lists carry no bodies")
                foreignID = try XCTUnwrap(list.records.first { $0.team == "T02" }?.id)
            }
            try await app.test(.GET, base, headers: tester) { res async throws in
                let list = try res.content.decode(GatewayController.RecordList.self)
                XCTAssertEqual(list.total, 2)
                XCTAssertTrue(list.records.allSatisfy { $0.team == "T01" })
            }
            // Asking for the other team by filter or by id shows nothing of it.
            try await app.test(.GET, base + "?team=T02", headers: tester) { res async throws in
                XCTAssertEqual(try res.content.decode(GatewayController.RecordList.self).total, 0)
            }
            try await app.test(.GET, "\(base)/\(foreignID)", headers: tester) { res async throws in
                XCTAssertEqual(res.status, .notFound)
                XCTAssertFalse(res.body.string.contains("team-two"))
            }
            try await app.test(.GET, base, headers: try await api(app, "gw-liaison")) { res async throws in
                XCTAssertEqual(res.status, .forbidden)
            }
            try await app.test(.GET, "/campaigns/CZ2022/gateway/records/\(foreignID)", headers: try await web(app, "gw-tester")) { res async throws in
                XCTAssertEqual(res.status, .notFound)
            }

            // Filters.
            try await app.test(.GET, base + "?decision=denied", headers: reviewer) { res async throws in
                let list = try res.content.decode(GatewayController.RecordList.self)
                XCTAssertEqual(list.records.map(\.reason), ["not_in_scope"])
                XCTAssertEqual(list.records.first?.alerts, ["out_of_scope"])
            }
            try await app.test(.GET, base + "?alert=destructiveSQL", headers: reviewer) { res async throws in
                XCTAssertEqual(try res.content.decode(GatewayController.RecordList.self).records.map(\.url),
                               ["http://127.0.0.1:\(rig.http.port)/echo"])
            }
            try await app.test(.GET, base + "?tester=gw-tester2&status=200&q=team-two&host=127.0.0.1", headers: reviewer) { res async throws in
                XCTAssertEqual(try res.content.decode(GatewayController.RecordList.self).total, 1)
            }
            try await app.test(.GET, base + "?from=2000-01-01T00:00&to=2001-01-01T00:00", headers: reviewer) { res async throws in
                XCTAssertEqual(try res.content.decode(GatewayController.RecordList.self).total, 0)
            }
            try await app.test(.GET, base + "?per=1&page=2", headers: reviewer) { res async throws in
                let list = try res.content.decode(GatewayController.RecordList.self)
                XCTAssertEqual(list.records.count, 1)
                XCTAssertEqual(list.total, 3)
                XCTAssertEqual(list.page, 2)
            }
            try await app.test(.GET, base + "?status=ok", headers: reviewer) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.string.contains("ok"), res.body.string)
            }
            try await app.test(.GET, base + "?from=yesterday", headers: reviewer) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.string.contains("yesterday"), res.body.string)
            }
        }
    }

    func testExportAttachAndReplayForARetest() async throws {
        try await withGatewayRig { rig in
            let app = rig.app
            try await traffic(rig)
            let reviewer = try await api(app, "gw-reviewer")
            let base = "/api/v1/campaigns/CZ2022/gateway/records"
            var lines: [GatewayRecordDTO] = []
            try await app.test(.GET, base + "/export", headers: try await api(app, "gw-tester")) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertEqual(res.headers.contentType?.subType, "x-ndjson")
                XCTAssertTrue(res.headers.first(name: .contentDisposition)?.contains("attachment") ?? false)
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                lines = try res.body.string.split(separator: "\n").map { try decoder.decode(GatewayRecordDTO.self, from: Data($0.utf8)) }
            }
            XCTAssertEqual(lines.count, 2, "the tester's export holds their team's records only")
            let echo = try XCTUnwrap(lines.first { $0.url.hasSuffix("/echo") })
            XCTAssertEqual(echo.requestBody?.data, "DROP TABLE t01")
            XCTAssertEqual(echo.responseBody?.data, "DROP TABLE t01")
            XCTAssertFalse(lines.contains { ($0.requestHeaders ?? []).contains { $0.count == 2 && $0[1].contains(rig.token) } },
                           "the token never appears in a record")

            // Attach to a finding as evidence: a text transcript.
            let finding = try await Finding.query(on: app.db).filter(\.$campaign.$id == rig.campaign.requireID()).sort(\.$code).first()!
            try await app.test(.POST, "\(base)/\(echo.id)/attach", headers: reviewer, beforeRequest: { req in
                try req.content.encode(["finding": finding.code], as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .created, res.body.string)
            }
            let evidence = try await EvidenceFile.query(on: app.db).filter(\.$finding.$id == finding.requireID())
                .filter(\.$originalName == "gateway-\(echo.id).txt").first()
            XCTAssertEqual(evidence?.contentType, "text/plain; charset=utf-8")
            // The liaison reads it: no team, tester or client address, no proxy credentials.
            let text = String(decoding: try EvidenceStore(dataDirectory: app.patrolOptions.dataDirectory)
                .load(try XCTUnwrap(evidence?.sha256)), as: UTF8.self)
            XCTAssertTrue(text.contains("DROP TABLE t01"), text)
            for hidden in ["gw-tester", "T01", "client ", "roxy-Authorization", "roxy-authorization"] {
                XCTAssertFalse(text.contains(hidden), "\(hidden) in \(text)")
            }
            try await app.test(.POST, "\(base)/\(echo.id)/attach", headers: reviewer, beforeRequest: { req in
                try req.content.encode(["finding": "NO-SUCH"], as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.string.contains("NO-SUCH"))
            }

            // Replay as a reviewer: a new record, and the page shows both responses side by side.
            var replayID = 0
            try await app.test(.POST, "\(base)/\(echo.id)/replay", headers: reviewer) { res async throws in
                XCTAssertEqual(res.status, .created, res.body.string)
                let replay = try res.content.decode(GatewayRecordDTO.self)
                XCTAssertEqual(replay.kind, "replay")
                XCTAssertEqual(replay.replayOf, echo.id)
                XCTAssertEqual(replay.status, 200)
                XCTAssertEqual(replay.responseBody?.data, "DROP TABLE t01")
                replayID = replay.id
            }
            XCTAssertEqual(rig.http.requests, 3, "two from the testers, one replay")
            try await app.test(.GET, "/campaigns/CZ2022/gateway/records/\(replayID)", headers: try await web(app, "gw-reviewer")) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertTrue(res.body.string.contains("class=\"compare\""))
                XCTAssertTrue(res.body.string.contains("/gateway/records/\(echo.id)\""))
            }
            // A tester cannot replay, and a refused record's target is checked again (still out of scope).
            try await app.test(.POST, "\(base)/\(echo.id)/replay", headers: try await api(app, "gw-tester")) { res async throws in
                XCTAssertEqual(res.status, .forbidden)
            }
        }
    }

    func testSwitchesThroughTheAPIApplyAtOnce() async throws {
        try await withGatewayRig { rig in
            let app = rig.app
            try await app.makeUser("gw-admin", .admin)
            app.gateway = rig.gateway
            let admin = try await api(app, "gw-admin")
            XCTAssertEqual(try viaProxy(rig, ["http://127.0.0.1:\(rig.http.port)/before"]).status, 200)
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/teams/T01/suspend", headers: admin) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertEqual(try res.content.decode(TeamDTO.self).state, "suspended")
            }
            let refused = try viaProxy(rig, ["http://127.0.0.1:\(rig.http.port)/during"])
            XCTAssertEqual(refused.status, 403, "refused at once, no refresh interval waited")
            XCTAssertTrue(refused.body.contains("team_suspended") || refused.body.contains("暂停"), refused.body)
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/teams/T01/resume", headers: admin) { res async throws in
                XCTAssertEqual(try res.content.decode(TeamDTO.self).state, "active")
            }
            XCTAssertEqual(try viaProxy(rig, ["http://127.0.0.1:\(rig.http.port)/after"]).status, 200)

            try await app.test(.PATCH, "/api/v1/campaigns/CZ2022/teams/T01", headers: admin, beforeRequest: { req in
                try req.content.encode(["interception": true], as: .json)
            }) { res async throws in
                XCTAssertTrue(try res.content.decode(TeamDTO.self).interception)
            }
            try await app.test(.PATCH, "/api/v1/campaigns/CZ2022/teams/T01", headers: admin, beforeRequest: { req in
                try req.content.encode(["interception": "yes please"], as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity, "a non-boolean is refused")
            }
            try await app.test(.PATCH, "/api/v1/campaigns/CZ2022/teams/T99", headers: admin, beforeRequest: { req in
                try req.content.encode(["interception": true], as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .notFound)
            }
            try await app.test(.PATCH, "/api/v1/campaigns/CZ2022/gateway", headers: admin, beforeRequest: { req in
                try req.content.encode(["interceptAll": true], as: .json)
            }) { res async throws in
                XCTAssertTrue(try res.content.decode(GatewayController.GatewayState.self).interceptAll)
            }
            let audit = try await AuditEvent.query(on: app.db).all().map(\.action)
            for action in ["team.suspend", "team.resume", "team.interception", "gateway.interceptAll"] {
                XCTAssertTrue(audit.contains(action), "\(action) is audited")
            }

            // The web switch and settings form; a bad setting is named and nothing is stored.
            let cookie = try await web(app, "gw-admin")
            try await app.test(.POST, "/campaigns/CZ2022/gateway/teams/T02", headers: cookie, beforeRequest: { req in
                req.headers.contentType = .urlEncodedForm
                req.body = .init(string: formBody(["action": "suspend"]))
            }) { res async throws in
                XCTAssertEqual(res.status, .seeOther)
            }
            let t02State = try await GatewayControl.link(rig.campaign, team: "T02", on: app.db).state
            XCTAssertEqual(t02State, .suspended)
            try await app.test(.POST, "/campaigns/CZ2022/gateway/settings", headers: cookie, beforeRequest: { req in
                req.headers.contentType = .urlEncodedForm
                req.body = .init(string: formBody(["rate": "fast", "burst": "10", "bodyCapKB": "64", "retentionDays": "30"]))
            }) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.string.contains("fast"))
            }
            let stored = try await Setting.all(prefix: "PATROL_GATEWAY_RETENTION", on: app.db)
            XCTAssertEqual(stored, [:])
            try await app.test(.POST, "/campaigns/CZ2022/gateway/settings", headers: cookie, beforeRequest: { req in
                req.headers.contentType = .urlEncodedForm
                req.body = .init(string: formBody(["rate": "50", "burst": "100", "bodyCapKB": "32", "retentionDays": "30"]))
            }) { res async throws in
                XCTAssertEqual(res.status, .seeOther)
            }
            XCTAssertEqual(rig.gateway.view?.settings.bodyCapBytes, 32 * 1024, "applied to the running gateway")
            XCTAssertEqual(rig.gateway.view?.settings.retentionDays, 30)
            try await rig.flush()
            try await app.test(.GET, "/campaigns/CZ2022/gateway", headers: cookie) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertTrue(res.body.string.contains("action\" value=\"resume\""), "T02 offers resume")
                // T01's last hour, counted in SQL: three requests, one refused while suspended, no alert.
                XCTAssertTrue(res.body.string.contains("<td class=\"num\">3</td><td class=\"num\">1</td><td class=\"num\">0</td>"),
                              res.body.string)
                XCTAssertTrue(res.body.string.contains("DROP") == false)
            }
        }
    }

    func testCATokenAndTesterSettings() async throws {
        try await withGatewayRig { rig in
            let app = rig.app
            app.gateway = rig.gateway
            app.gatewayAddress = "127.0.0.1:\(rig.port)"
            let tester = try await api(app, "gw-tester")
            try await app.test(.GET, "/api/v1/campaigns/CZ2022/gateway/ca.pem", headers: tester) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertTrue(res.body.string.hasPrefix("-----BEGIN CERTIFICATE-----"))
                XCTAssertTrue(res.headers.first(name: .contentDisposition)?.contains("attachment") ?? false)
                XCTAssertEqual(res.body.string, try rig.gateway.authority(campaign: "CZ2022").certificatePEM)
            }
            var fresh = ""
            try await app.test(.POST, "/api/v1/gateway/token", headers: tester) { res async throws in
                XCTAssertEqual(res.status, .ok)
                let body = try res.content.decode(GatewayController.TokenResponse.self)
                XCTAssertTrue(body.token.hasPrefix("pgt_"))
                XCTAssertEqual(body.proxy, "127.0.0.1:\(rig.port)")
                fresh = body.token
            }
            XCTAssertEqual(try viaProxy(rig, token: fresh, ["http://127.0.0.1:\(rig.http.port)/new"]).status, 200, "the new token works at once")
            XCTAssertEqual(try viaProxy(rig, ["http://127.0.0.1:\(rig.http.port)/old"]).status, 407, "the old one no longer does")
            let audit = try await AuditEvent.query(on: app.db).all()
            XCTAssertFalse(audit.contains { $0.details.contains(fresh) }, "the token is never written to the audit log")

            let cookie = try await web(app, "gw-tester")
            try await app.test(.GET, "/campaigns/CZ2022/gateway", headers: cookie) { res async throws in
                XCTAssertEqual(res.status, .ok)
                let page = res.body.string
                XCTAssertTrue(page.contains("127.0.0.1:\(rig.port)"))
                XCTAssertTrue(page.contains("proxychains"))
                XCTAssertTrue(page.contains("HTTPS 解密审计开启时，在 Settings → Network → TLS 中导入 patrol-CZ2022-ca.pem。"),
                              "the note under Burp's menus is in the reader's language")
                XCTAssertFalse(page.contains(fresh), "a token is shown only when it is made")
                XCTAssertFalse(page.contains("window-note"), "no note while testing is open")
            }
            try await app.test(.POST, "/campaigns/CZ2022/gateway/token", headers: cookie, beforeRequest: { req in
                req.headers.contentType = .urlEncodedForm
                req.body = .init(string: formBody([:]))
            }) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertEqual(res.headers.first(name: .cacheControl), "no-store")
                XCTAssertTrue(res.body.string.contains("--proxy-cred=gw-tester:pgt_"))
            }

            // Outside testing the page says why every request is refused, and where the attempts go.
            let day: TimeInterval = 86400
            for (state, starts, note) in [(CampaignState.closed, -2 * day, "检测时间已结束（"),
                                          (.running, day, "检测时间尚未开始（"),
                                          (.draft, day, "本活动尚未开始（检测时间 ")] {
                rig.campaign.state = state
                rig.campaign.startsAt = Date().addingTimeInterval(starts)
                rig.campaign.endsAt = rig.campaign.startsAt.addingTimeInterval(day)
                try await rig.campaign.save(on: app.db)
                try await app.test(.GET, "/campaigns/CZ2022/gateway", headers: cookie) { res async throws in
                    XCTAssertEqual(res.status, .ok)
                    XCTAssertTrue(res.body.string.contains("id=\"window-note\">" + note), "\(state) \(res.body.string)")
                }
            }
        }
    }

    /// A second gateway node on the same database, refreshing on its own as `patrol gateway` does,
    /// picks up a suspension made elsewhere within a second, and its records reach the database.
    func testAnotherNodePicksUpChangesWithinASecond() async throws {
        try await withGatewayRig { rig in
            let node = Gateway(database: { rig.app.db }, dataDirectory: rig.data, environment: [:],
                               resolver: StaticResolver([:]), logger: rig.app.logger)
            let port = try await node.start(host: "127.0.0.1", port: 0)
            defer { Task { await node.stop() } }
            let url = "http://127.0.0.1:\(rig.http.port)/node2"
            let via = ["-x", "http://127.0.0.1:\(port)", "--proxy-user", "gw-tester:\(rig.token)", url]
            XCTAssertEqual(try curl(via).status, 200)
            try await GatewayControl.setState(.suspended, campaign: rig.campaign, team: "T01",
                                              context: .init(actorID: nil, actor: "test", clientAddress: "local"), on: rig.app.db)
            let changed = ContinuousClock.now
            var status = 200
            while status != 403, ContinuousClock.now - changed < .seconds(3) {
                status = try curl(via).status
                if status != 403 { try await Task.sleep(for: .milliseconds(50)) }
            }
            let waited = ContinuousClock.now - changed
            XCTAssertEqual(status, 403)
            XCTAssertLessThan(waited, .milliseconds(1200), "picked up within a second (refresh every 0.5 s), took \(waited)")
            // The node writes its own records within its flush interval.
            try await Task.sleep(for: .milliseconds(600))
            let mine = try await GatewayRecord.query(on: rig.app.db).filter(\.$url == url).all()
            XCTAssertEqual(Set(mine.map(\.decision)), ["allowed", "denied"])
            await node.stop()
        }
    }

    /// A campaign, team or tester removed while its rows wait in the queue must not fail the batch
    /// (and every retry of it, while the queue fills behind it): the rows are written as the removal
    /// would have left them.
    func testRowsOfRemovedCampaignsTeamsAndTestersDoNotBlockTheQueue() async throws {
        try await withGatewayRig { rig in
            let db = rig.app.db
            let found = try await Campaign.query(on: db).filter(\.$code == "CZ2022").first()
            let campaign = try XCTUnwrap(found).requireID()
            func row(_ path: String, campaign: UUID?, team: UUID? = nil, user: UUID? = nil) -> GatewayRecordRow {
                var row = GatewayRecordRow(client: "127.0.0.1:1", kind: "http", url: "http://127.0.0.1/\(path)", host: "127.0.0.1",
                                           port: 80, startedAt: Date(), decision: "allowed")
                row.campaignID = campaign
                row.teamID = team
                row.userID = user
                return row
            }
            rig.gateway.record(row("gone-campaign", campaign: UUID()))
            rig.gateway.record(row("gone-team-and-tester", campaign: campaign, team: UUID(), user: UUID()))
            rig.gateway.record(row("intact", campaign: campaign))
            try await rig.flush()
            XCTAssertEqual(rig.gateway.batcher.pendingCount, 0, "nothing left behind to fail again")
            let written = try await GatewayRecord.query(on: db).sort(\.$id).all()
            XCTAssertEqual(written.map(\.url), ["http://127.0.0.1/gone-team-and-tester", "http://127.0.0.1/intact"],
                           "the removed campaign's row goes with its records")
            XCTAssertNil(written[0].$team.id)
            XCTAssertNil(written[0].$user.id)
            XCTAssertEqual(written[0].$campaign.id, campaign)
        }
    }

    /// A write that fails (here: the table is briefly away) puts the batch back; the next write
    /// stores each body once, compressed once.
    func testFailedWriteKeepsTheBatchAndCompressesBodiesOnce() async throws {
        try await withGatewayRig { rig in
            guard let sql = rig.app.db as? any SQLDatabase else { return XCTFail("SQL database expected") }
            var row = GatewayRecordRow(client: "127.0.0.1:1", kind: "http", url: "http://127.0.0.1/kept", host: "127.0.0.1",
                                       port: 80, startedAt: Date(), decision: "allowed")
            let body = Data(String(repeating: "retry me ", count: 300).utf8)
            row.responseBody = body
            row.responseBodySize = body.count
            rig.gateway.record(row)
            try await sql.raw("ALTER TABLE gateway_records RENAME TO gateway_records_away").run()
            do {
                try await rig.flush()
                XCTFail("the write should have failed")
            } catch {
                // What the gateway logs names the problem on either engine (PostgresNIO's own text
                // is a generic "PSQLError – Generic description…").
                let text = databaseErrorText(error)
                XCTAssertTrue(text.contains("gateway_records"), text)
                if text.hasPrefix("PostgreSQL") { XCTAssertTrue(text.hasPrefix("PostgreSQL 42P01: "), text) }
            }
            XCTAssertEqual(rig.gateway.batcher.pendingCount, 1, "the row is back in the queue")
            try await sql.raw("ALTER TABLE gateway_records_away RENAME TO gateway_records").run()
            try await rig.flush()
            XCTAssertEqual(rig.gateway.batcher.pendingCount, 0)
            let kept = try await GatewayRecord.query(on: rig.app.db).filter(\.$url == "http://127.0.0.1/kept").first()
            let stored = try XCTUnwrap(kept)
            XCTAssertEqual(try RecordedBody.decompress(try XCTUnwrap(stored.responseBody)), body)
        }
    }

    /// Every column the gateway records reads back through the model exactly as it went in, from
    /// the batch writer of each database (on SQLite the gateway's own connection with its prepared
    /// INSERT, on PostgreSQL the multi-row INSERT): set and unset values, text that needs escaping,
    /// and empty strings and bodies, which must stay empty rather than become NULL.
    func testEveryRecordedColumnReadsBackAsWritten() async throws {
        try await withGatewayRig { rig in
            let db = rig.app.db
            let foundCampaign = try await Campaign.query(on: db).filter(\.$code == "CZ2022").first()
            let campaign = try XCTUnwrap(foundCampaign).requireID()
            let foundTester = try await User.query(on: db).filter(\.$username == "gw-tester").first()
            let tester = try XCTUnwrap(foundTester)
            let started = Date(timeIntervalSince1970: 1_652_660_123.456)
            var full = GatewayRecordRow(client: "[::1]:50000", kind: "https", url: "https://www.gw.test/搜索?q=\"x\"&y=\\",
                                        host: "www.gw.test", port: 8443, startedAt: started, decision: "allowed")
            full.campaignID = campaign
            full.teamID = try XCTUnwrap(tester.$team.id)
            full.userID = try tester.requireID()
            full.username = "gw-tester"
            full.method = "POST"
            full.address = "::1"
            full.status = 201
            full.bytesUp = 1_234_567_890_123
            full.bytesDown = 42
            full.durationMs = 17
            full.reason = "upstream_failed"
            full.alerts = ["out_of_scope", "sql_drop"]
            full.requestHeaders = [.init("X-Quote", "say \"hi\"\\ \u{1}"), .init("X-名字", "值\n二")]
            full.responseHeaders = []
            full.requestBody = Data(String(repeating: "union select ", count: 300).utf8)
            full.requestBodySize = 5000
            full.requestBodyTruncated = true
            full.responseBody = Data()
            full.tls = "CN=www.gw.test; issuer CN=Upstream"
            full.replayOf = 7
            var bare = GatewayRecordRow(client: "", kind: "socks", url: "", host: "", port: 0, startedAt: started, decision: "denied")
            bare.alerts = []
            rig.gateway.record(full)
            rig.gateway.record(bare)
            try await rig.flush()
            let isSQLite = try await SQLiteRecordWriter.file(of: db) != nil
            XCTAssertEqual(rig.gateway.batcher.ownsSQLiteConnection, isSQLite,
                           "SQLite batches go through the gateway's own connection, PostgreSQL's through Fluent")
            #if os(Linux)
            if isSQLite {
                let policy = try await rig.gateway.batcher.writerThreadPolicy
                XCTAssertEqual(policy, RecordBatcher.batchPolicy, "the writing thread does not preempt the event loop when it wakes")
            }
            #endif
            let stored = try await GatewayRecord.query(on: db).filter(\.$kind ~~ ["https", "socks"]).sort(\.$id).all()
            XCTAssertEqual(stored.count, 2)
            let a = stored[0], b = stored[1]
            XCTAssertEqual(a.$campaign.id, campaign)
            XCTAssertEqual(a.$team.id, full.teamID)
            XCTAssertEqual(a.$user.id, full.userID)
            XCTAssertEqual([a.username, a.method, a.address, a.reason, a.alerts, a.tls],
                           ["gw-tester", "POST", "::1", "upstream_failed", "out_of_scope,sql_drop", full.tls])
            XCTAssertEqual([a.client, a.kind, a.url, a.host, a.decision], ["[::1]:50000", "https", full.url, "www.gw.test", "allowed"])
            XCTAssertEqual([a.port, a.status, a.durationMs, a.requestBodySize, a.responseBodySize, a.replayOf], [8443, 201, 17, 5000, 0, 7])
            XCTAssertEqual([a.bytesUp, a.bytesDown], [1_234_567_890_123, 42])
            XCTAssertEqual(a.startedAt.timeIntervalSince1970, started.timeIntervalSince1970, accuracy: 0.001)
            XCTAssertEqual([a.requestBodyTruncated, a.responseBodyTruncated], [true, false])
            XCTAssertEqual(a.headerPairs.request, [["X-Quote", "say \"hi\"\\ \u{1}"], ["X-名字", "值\n二"]])
            XCTAssertEqual(a.responseHeaders, "[]")
            XCTAssertEqual(try RecordedBody.decompress(try XCTUnwrap(a.requestBody)), full.requestBody)
            XCTAssertEqual(a.responseBody, Data(), "an empty body stays empty, not NULL")
            XCTAssertNil(b.$campaign.id)
            XCTAssertNil(b.$team.id)
            XCTAssertNil(b.$user.id)
            XCTAssertEqual([b.client, b.url, b.host], ["", "", ""], "empty text stays empty, not NULL")
            XCTAssertEqual([b.kind, b.decision], ["socks", "denied"])
            XCTAssertNil(b.username)
            XCTAssertNil(b.method)
            XCTAssertNil(b.address)
            XCTAssertNil(b.status)
            XCTAssertNil(b.reason)
            XCTAssertNil(b.alerts)
            XCTAssertNil(b.requestHeaders)
            XCTAssertNil(b.responseHeaders)
            XCTAssertNil(b.requestBody)
            XCTAssertNil(b.responseBody)
            XCTAssertNil(b.tls)
            XCTAssertNil(b.replayOf)
            XCTAssertEqual([b.port, b.durationMs], [0, 0])
        }
    }

    /// Text with a NUL byte — a Basic credential or SOCKS5 user name anyone can send, a SOCKS5 host
    /// name, an upstream certificate's subject — is recorded with U+FFFD in its place on every
    /// engine. PostgreSQL cannot store NUL in text: such a row used to fail its batch on every retry,
    /// until the full queue stopped the gateway reading for everyone.
    func testNULBytesInRecordedTextDoNotBlockTheQueue() async throws {
        try await withGatewayRig { rig in
            var row = GatewayRecordRow(client: "127.0.0.1:1", kind: "socks", url: "a\u{0}b.gw.test:80", host: "a\u{0}b.gw.test", port: 80,
                                       startedAt: Date(), decision: "denied")
            row.username = "gw\u{0}tester"
            row.reason = "not_in_scope"
            row.tls = "CN=www.gw.test\u{0}.evil.example"
            rig.gateway.record(row)
            try await rig.flush()
            XCTAssertEqual(rig.gateway.batcher.pendingCount, 0, "nothing left behind to fail again")
            let found = try await GatewayRecord.query(on: rig.app.db).filter(\.$kind == "socks").first()
            let stored = try XCTUnwrap(found)
            XCTAssertEqual(stored.host, "a\u{FFFD}b.gw.test")
            XCTAssertEqual(stored.url, "a\u{FFFD}b.gw.test:80")
            XCTAssertEqual(stored.username, "gw\u{FFFD}tester")
            XCTAssertEqual(stored.tls, "CN=www.gw.test\u{FFFD}.evil.example")
        }
    }

    /// A row the database refuses (here a trigger stands in for a constraint nobody foresaw) does
    /// not hold up its batch: the other rows are written, the refused row is stored without its
    /// headers and bodies and flagged for the organiser, and a row refused even so is dropped.
    func testARowTheDatabaseRefusesDoesNotHoldUpTheOthers() async throws {
        try await withGatewayRig { rig in
            let db = rig.app.db
            guard let sql = db as? any SQLDatabase else { return XCTFail("SQL database expected") }
            let poison = "http://127.0.0.1/poison", refused = "http://127.0.0.1/refused"
            if try await SQLiteRecordWriter.file(of: db) != nil {
                try await sql.raw("""
                    CREATE TRIGGER poison BEFORE INSERT ON gateway_records
                    WHEN (NEW.url = '\(unsafeRaw: poison)' AND NEW.response_headers IS NOT NULL) OR NEW.url = '\(unsafeRaw: refused)'
                    BEGIN SELECT RAISE(ABORT, 'poison row'); END
                    """).run()
            } else {
                try await sql.raw("""
                    CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN
                    IF (NEW.url = '\(unsafeRaw: poison)' AND NEW.response_headers IS NOT NULL) OR NEW.url = '\(unsafeRaw: refused)'
                    THEN RAISE EXCEPTION 'poison row' USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql
                    """).run()
                try await sql.raw("CREATE TRIGGER poison BEFORE INSERT ON gateway_records FOR EACH ROW EXECUTE FUNCTION poison()").run()
            }
            for i in 0..<40 {
                let url = i == 13 ? poison : i == 29 ? refused : "http://127.0.0.1/\(i)"
                var row = GatewayRecordRow(client: "127.0.0.1:1", kind: "http", url: url, host: "127.0.0.1", port: 80,
                                           startedAt: Date(), decision: "allowed")
                row.responseHeaders = [.init("Server", "test")]
                row.responseBody = Data("body \(i)".utf8)
                rig.gateway.record(row)
            }
            let flushed = try await rig.gateway.batcher.flush(on: db)
            XCTAssertEqual(flushed, 39, "stored rows, the dropped one not among them")
            XCTAssertEqual(rig.gateway.batcher.pendingCount, 0, "nothing left behind to fail again")
            let stored = try await GatewayRecord.query(on: db).sort(\.$id).all()
            XCTAssertEqual(stored.count, 39, "every row but the one refused in any form")
            XCTAssertFalse(stored.contains { $0.url == refused })
            let reduced = try XCTUnwrap(stored.first { $0.url == poison })
            XCTAssertEqual(reduced.alertList, [RecordBatcher.incompleteAlert])
            XCTAssertNil(reduced.responseHeaders)
            XCTAssertNil(reduced.responseBody)
            let whole = try XCTUnwrap(stored.first { $0.url == "http://127.0.0.1/12" })
            XCTAssertNil(whole.alerts)
            XCTAssertEqual(try RecordedBody.decompress(try XCTUnwrap(whole.responseBody)), Data("body 12".utf8))
        }
    }

    /// A database that fails every write (the table is away) is not taken for a bad row: the whole
    /// batch goes back to the queue and nothing is stored incomplete.
    func testAFailingDatabaseIsNotTakenForABadRow() async throws {
        try await withGatewayRig { rig in
            guard let sql = rig.app.db as? any SQLDatabase else { return XCTFail("SQL database expected") }
            for i in 0..<10 {
                rig.gateway.record(GatewayRecordRow(client: "127.0.0.1:1", kind: "http", url: "http://127.0.0.1/\(i)",
                                                    host: "127.0.0.1", port: 80, startedAt: Date(), decision: "allowed"))
            }
            try await sql.raw("ALTER TABLE gateway_records RENAME TO gateway_records_away").run()
            do {
                try await rig.flush()
                XCTFail("the write should have failed")
            } catch {}
            XCTAssertEqual(rig.gateway.batcher.pendingCount, 10)
            try await sql.raw("ALTER TABLE gateway_records_away RENAME TO gateway_records").run()
            try await rig.flush()
            let stored = try await GatewayRecord.query(on: rig.app.db).all()
            XCTAssertEqual(stored.count, 10)
            XCTAssertTrue(stored.allSatisfy { $0.alerts == nil })
        }
    }

    /// On SQLite the gateway's writing connection waits for another writer (the web application
    /// in the middle of a transaction) instead of failing the batch.
    func testSQLiteRecordWriterWaitsForAnotherWriter() async throws {
        try await withGatewayRig { rig in
            let db = rig.app.db
            guard try await SQLiteRecordWriter.file(of: db) != nil else { return }
            let locked = expectation(description: "the other transaction holds the write lock")
            let holder = Task {
                try await db.transaction { tx in
                    guard let sql = tx as? any SQLDatabase else { return }
                    try await sql.raw("UPDATE campaigns SET name = name").run()
                    locked.fulfill()
                    try await Task.sleep(for: .milliseconds(400))
                }
            }
            await fulfillment(of: [locked], timeout: 5)
            rig.gateway.record(GatewayRecordRow(client: "127.0.0.1:1", kind: "http", url: "http://127.0.0.1/waited",
                                                host: "127.0.0.1", port: 80, startedAt: Date(), decision: "allowed"))
            let start = ContinuousClock.now
            try await rig.flush()
            XCTAssertGreaterThan(ContinuousClock.now - start, .milliseconds(200), "the write waited for the lock")
            try await holder.value
            let count = try await GatewayRecord.query(on: db).filter(\.$url == "http://127.0.0.1/waited").count()
            XCTAssertEqual(count, 1)
        }
    }

    /// Stopping writes everything queued, in batches, before it returns (SIGTERM on `patrol gateway`).
    func testStoppingWritesEveryQueuedRecord() async throws {
        try await withGatewayRig { rig in
            for i in 0..<(RecordBatcher.batchLimit * 2 + 123) {
                rig.gateway.record(GatewayRecordRow(client: "127.0.0.1:1", kind: "http", url: "http://127.0.0.1/\(i)", host: "127.0.0.1",
                                                    port: 80, startedAt: Date(), decision: "allowed"))
            }
            await rig.gateway.stop()
            let count = try await GatewayRecord.query(on: rig.app.db).count()
            XCTAssertEqual(count, RecordBatcher.batchLimit * 2 + 123)
        }
    }
}
