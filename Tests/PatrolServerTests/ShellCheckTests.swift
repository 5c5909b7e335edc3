import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// The shell check asks real HTTP: this test serves Patrol on a local port and points a finding at it
/// (no gateway runs here, so Patrol's own port is not protected as `patrol serve` protects it).
final class ShellCheckTests: XCTestCase {
    func testSiteOfAFinding() {
        let f = Finding()
        f.url = "https://www.d01.changzhou.example:8443/login?x=1"
        XCTAssertEqual(ShellCheck.site(finding: f, asset: nil), "https://www.d01.changzhou.example:8443")
        f.url = nil
        let a = Asset()
        a.kind = .ip; a.target = "198.51.100.7"; a.ports = "8080,443"
        XCTAssertEqual(ShellCheck.site(finding: f, asset: a), "http://198.51.100.7:8080")
        a.kind = .domain; a.target = "*.d01.changzhou.example"; a.ports = nil
        XCTAssertNil(ShellCheck.site(finding: f, asset: a), "a wildcard is no single site")
        a.kind = .cidr; a.target = "198.51.100.0/24"
        XCTAssertNil(ShellCheck.site(finding: f, asset: a))
    }

    func testGonePresentAndRefused() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            try await app.makeUser("s-reviewer", .reviewer)
            try await app.makeUser("s-tester", .tester, team: "T01")
            // The finding names the port before the app listens on it, so it cannot be port 0; below
            // Linux's ephemeral range (32768–60999), so no outgoing connection holds it.
            let port = Int.random(in: 20_000..<32_000)
            let f = try await Finding.query(on: app.db).filter(\.$status == .remediated).first()!
            f.url = "http://127.0.0.1:\(port)/login"
            // /healthz answers 200 (still there); the .jsp is unknown (404: gone); port 9 is closed (refused: gone).
            f.shellPaths = ["/healthz", "/upload/patrol-shell.jsp", "http://127.0.0.1:9/x.jsp"]
            try await f.save(on: app.db)
            let reviewer: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "s-reviewer", kind: .api))"]
            let tester: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "s-tester", kind: .api))"]
            let path = "/api/v1/campaigns/CZ2022/findings/\(f.code)/shell-check"
            let running = try app.testable(method: .running(hostname: "127.0.0.1", port: port))
            // The check obeys the scope as a tester's request would (issue 18): no asset names
            // 127.0.0.1 yet, so nothing is requested, and each refusal is recorded.
            try await running.test(.POST, path, headers: reviewer) { res async throws in
                XCTAssertEqual(res.status, .ok, res.body.string)
                let results = try res.content.decode([ShellCheck.Result].self)
                XCTAssertEqual(results.map(\.verdict), [.unknown, .unknown, .unknown], res.body.string)
                XCTAssertTrue(results.allSatisfy { $0.detail.contains("not_in_scope") }, res.body.string)
            }
            let refused = try await GatewayRecord.query(on: app.db).filter(\.$kind == "shellcheck").all()
            XCTAssertEqual(refused.map(\.decision), ["denied", "denied", "denied"])
            XCTAssertEqual(refused.map(\.username), ["s-reviewer", "s-reviewer", "s-reviewer"])
            try await Asset(campaignID: f.$campaign.id, unitID: f.$unit.id, code: "SHELL-LOOP", kind: .ip, target: "127.0.0.1",
                            ports: "\(port),9", origin: .declared).create(on: app.db)
            try await running.test(.POST, path, headers: reviewer) { res async throws in
                XCTAssertEqual(res.status, .ok, res.body.string)
                let results = try res.content.decode([ShellCheck.Result].self)
                XCTAssertEqual(results.map(\.verdict), [.present, .gone, .gone], res.body.string)
                XCTAssertEqual(results.map(\.url), ["http://127.0.0.1:\(port)/healthz", "http://127.0.0.1:\(port)/upload/patrol-shell.jsp",
                                                    "http://127.0.0.1:9/x.jsp"])
            }
            let allowed = try await GatewayRecord.query(on: app.db).filter(\.$kind == "shellcheck").filter(\.$decision == "allowed").all()
            XCTAssertEqual(allowed.compactMap(\.status).sorted(), [200, 404, 502], "502: nothing listens on port 9")
            XCTAssertEqual(allowed.count, 3, "the refused connection is recorded too")
            try await app.test(.POST, path, headers: tester) { res async throws in
                XCTAssertEqual(res.status, .forbidden)
            }
        }
    }
}
