import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// The shell check asks real HTTP: this test serves Patrol on a local port and points a finding at it.
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
            try await app.testable(method: .running(hostname: "127.0.0.1", port: port)).test(.POST, path, headers: reviewer) { res async throws in
                XCTAssertEqual(res.status, .ok, res.body.string)
                let results = try res.content.decode([ShellCheck.Result].self)
                XCTAssertEqual(results.map(\.verdict), [.present, .gone, .gone], res.body.string)
                XCTAssertEqual(results.map(\.url), ["http://127.0.0.1:\(port)/healthz", "http://127.0.0.1:\(port)/upload/patrol-shell.jsp",
                                                    "http://127.0.0.1:9/x.jsp"])
            }
            try await app.test(.POST, path, headers: tester) { res async throws in
                XCTAssertEqual(res.status, .forbidden)
            }
        }
    }
}
