import XCTVapor
@testable import PatrolServer

/// Issue 18, item 4: the `next` of a sign-in or a language switch never leaves the site.
final class ReturnPathTests: XCTestCase {
    static let refused = [
        "", "//evil.example", "//evil.example/x", "/\\evil.example", "\\\\evil.example", "\\/evil.example",
        "http://evil.example", "https://evil.example/", "HTTP://evil.example", "javascript:alert(1)", "JavaScript:alert(1)",
        "data:text/html,hi", "evil.example", "campaigns", "./campaigns", "%2F%2Fevil.example", "/%2F/evil.example",
        "/%2f%2fevil.example", "/%5Cevil.example", "/%252F/evil.example", "/\t/evil.example", "/\n/evil.example",
        "/\r\n/evil.example", "\t//evil.example", " //evil.example", "/ /evil.example", "/\u{0}/evil.example",
        "/\u{7F}x", "/%09/evil.example", "/%0d%0aSet-Cookie:x=1", "/%00", "/..//evil.example", "/./", "/a/../..//evil",
        "/%2e%2e//evil.example", "/campaigns\u{202E}", "/校园", "/%E2%80%AEx", "/%zz", "/%ff",
        "/" + String(repeating: "a", count: ReturnPath.maxLength),
    ]

    static let kept = [
        "/", "/campaigns", "/campaigns/CZ2022/units/A01", "/campaigns/CZ2022/findings?status=notified&limit=20",
        "/campaigns/CZ2022/findings#top", "/campaigns/CZ2022/findings?next=%2F%2Fevil", "/units/%E6%A0%A1", "/a:b",
        "/campaigns/CZ2022/gateway?live=1",
    ]

    func testOnlyPathsOnThisSitePass() {
        for candidate in Self.refused {
            XCTAssertNil(ReturnPath(candidate), "refused: \(candidate.debugDescription)")
        }
        XCTAssertNil(ReturnPath(nil))
        for candidate in Self.kept {
            XCTAssertEqual(ReturnPath(candidate)?.path, candidate, "kept: \(candidate.debugDescription)")
        }
    }

    /// The address the sign-in redirect carries (the page the visitor asked for) comes back whole.
    func testTheSignInRedirectsNextSurvives() async throws {
        try await withEachDatabase { app, _ in
            try await app.test(.GET, "/campaigns?limit=5") { res async throws in
                let location = try XCTUnwrap(res.headers.first(name: .location))
                let next = try XCTUnwrap(URLComponents(string: location)?.queryItems?.first { $0.name == "next" }?.value)
                XCTAssertEqual(ReturnPath(next)?.path, "/campaigns?limit=5")
            }
        }
    }

    func testSignInAndLanguageSwitchUseIt() async throws {
        try await withEachDatabase { app, location in
            try await app.makeUser("erin", .admin)
            func query(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }
            for bad in ["//evil.example", "/\\evil.example", "/\t/evil.example", "https://evil.example", "%2F%2Fevil.example"] {
                try await app.test(.GET, "\(SiteURL.language(.value("en")).path)?next=\(query(bad))") { res async throws in
                    XCTAssertEqual(res.headers.first(name: .location), "/", "\(bad.debugDescription) on \(location.redacted)")
                }
                try await app.test(.GET, "/login?next=\(query(bad))") { res async throws in
                    XCTAssertFalse(res.body.string.contains("evil.example"), bad.debugDescription)
                }
                try await app.test(.POST, "/login", headers: ["Cookie": "patrol_csrf=\(testCSRF)"], beforeRequest: { req async throws in
                    req.headers.contentType = .urlEncodedForm
                    req.body = .init(string: formBody(["username": "erin", "password": "Correct-Horse-9", "next": bad]))
                }) { res async throws in
                    XCTAssertEqual(res.status, .seeOther)
                    XCTAssertEqual(res.headers.first(name: .location), SiteURL.campaigns.path, bad.debugDescription)
                }
            }
            try await app.test(.GET, "\(SiteURL.language(.value("en")).path)?next=\(query("/campaigns?limit=5"))") { res async throws in
                XCTAssertEqual(res.headers.first(name: .location), "/campaigns?limit=5")
            }
            try await app.test(.POST, "/login", headers: ["Cookie": "patrol_csrf=\(testCSRF)"], beforeRequest: { req async throws in
                req.headers.contentType = .urlEncodedForm
                req.body = .init(string: formBody(["username": "erin", "password": "Correct-Horse-9", "next": SiteURL.users.path]))
            }) { res async throws in
                XCTAssertEqual(res.headers.first(name: .location), SiteURL.users.path)
            }
        }
    }
}
