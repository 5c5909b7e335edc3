import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

final class AuthTests: XCTestCase {
    func login(_ app: Application, _ username: String, _ password: String) async throws -> XCTHTTPResponse {
        var result: XCTHTTPResponse!
        try await app.test(.POST, "/api/v1/auth/login", beforeRequest: { req async throws in
            try req.content.encode(["username": username, "password": password], as: .json)
        }, afterResponse: { res async throws in result = res })
        return result
    }

    func testMigrationsRunAndRevertOnEachDatabase() async throws {
        try await withEachDatabase { app, location in
            // setup: the schema was migrated by the helper
            // MUT
            try await app.autoRevert()
            try await app.autoMigrate()
            // validate: every table is usable after a full down/up cycle
            try await app.loadDemoCampaign()
            let units = try await PatrolStore.Unit.query(on: app.db).count()
            XCTAssertEqual(units, 83, location.redacted)
        }
    }

    func testAPILoginReturnsTokenAndTokenWorks() async throws {
        try await withEachDatabase { app, _ in
            try await app.makeUser("alice", .admin)
            let res = try await login(app, "alice", "Correct-Horse-9")
            XCTAssertEqual(res.status, .ok)
            struct Body: Decodable { var token: String; var user: UserDTO }
            let body = try res.content.decode(Body.self)
            XCTAssertEqual(body.user.role, "admin")
            try await app.test(.GET, "/api/v1/auth/me", headers: ["Authorization": "Bearer \(body.token)"]) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertFalse(res.body.string.contains("password"), "no hash in the API")
            }
            try await app.test(.GET, "/api/v1/auth/me") { res async throws in
                XCTAssertEqual(res.status, .unauthorized)
                XCTAssertTrue(res.body.string.contains("\"code\":\"unauthenticated\""))
            }
        }
    }

    func testLockoutAfterFiveFailuresEvenWithRightPassword() async throws {
        try await withEachDatabase { app, _ in
            try await app.makeUser("bob", .reviewer)
            for _ in 0..<5 {
                let failed = try await login(app, "bob", "wrong-password")
                XCTAssertEqual(failed.status, .unauthorized)
            }
            // Locked: the right password is refused with the answer a wrong one gets.
            let res = try await login(app, "bob", "Correct-Horse-9")
            XCTAssertEqual(res.status, .unauthorized)
            XCTAssertTrue(res.body.string.contains("invalid_credentials"))
            var bob = try await User.query(on: app.db).filter(\.$username == "bob").first()!
            XCTAssertEqual(bob.failedLogins, 5)
            // After 15 minutes the lock lifts, and a success clears the count.
            bob.lockedUntil = Date().addingTimeInterval(-1)
            try await bob.save(on: app.db)
            let afterLock = try await login(app, "bob", "Correct-Horse-9")
            XCTAssertEqual(afterLock.status, .ok)
            bob = try await User.query(on: app.db).filter(\.$username == "bob").first()!
            XCTAssertEqual(bob.failedLogins, 0)
            XCTAssertNil(bob.lockedUntil)
            let failures = try await AuditEvent.query(on: app.db).filter(\.$action == "login.failure").count()
            XCTAssertEqual(failures, 6)
            let text = try await AuditEvent.query(on: app.db).all().map(\.details).joined()
            XCTAssertFalse(text.contains("Correct-Horse-9") || text.contains("wrong-password"), "no password in the audit log")
        }
    }

    func testGeneratedPasswordMustBeChangedFirst() async throws {
        try await withEachDatabase { app, _ in
            let created = try await Accounts(db: app.db, application: app).create(
                UserDraft(username: "carol", role: Role.observer.rawValue),
                context: .init(actorID: nil, actor: "test", clientAddress: "local"))
            let generated = try XCTUnwrap(created.generatedPassword)
            let res = try await login(app, "carol", generated)
            struct Body: Decodable { var token: String }
            let token = try res.content.decode(Body.self).token
            let auth: HTTPHeaders = ["Authorization": "Bearer \(token)"]
            try await app.test(.GET, "/api/v1/campaigns", headers: auth) { res async throws in
                XCTAssertEqual(res.status, .forbidden)
                XCTAssertTrue(res.body.string.contains("password_change_required"))
            }
            try await app.test(.POST, "/api/v1/auth/password", headers: auth, beforeRequest: { req async throws in
                try req.content.encode(["currentPassword": generated, "newPassword": "short"], as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .unprocessableEntity) }
            try await app.test(.POST, "/api/v1/auth/password", headers: auth, beforeRequest: { req async throws in
                try req.content.encode(["currentPassword": generated, "newPassword": "Brand-New-Pass-1"], as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .noContent) }
            try await app.test(.GET, "/api/v1/campaigns", headers: auth) { res async throws in XCTAssertEqual(res.status, .ok) }
        }
    }

    func testIdleSessionExpires() async throws {
        try await withEachDatabase { app, _ in
            try await app.makeUser("dave", .admin)
            let token = try await app.token(for: "dave", kind: .api)
            let session = try await UserSession.query(on: app.db).filter(\.$tokenHash == SessionToken.digest(token)).first()!
            session.lastSeenAt = Date().addingTimeInterval(-31 * 60)
            try await session.save(on: app.db)
            try await app.test(.GET, "/api/v1/auth/me", headers: ["Authorization": "Bearer \(token)"]) { res async throws in
                XCTAssertEqual(res.status, .unauthorized)
            }
        }
    }

    func testWebFormsNeedTheCSRFToken() async throws {
        try await withEachDatabase { app, _ in
            try await app.makeUser("erin", .admin)
            // No token: refused before the password is even looked at.
            try await app.test(.POST, "/login", beforeRequest: { req async throws in
                req.headers.contentType = .urlEncodedForm
                req.body = .init(string: "username=erin&password=Correct-Horse-9")
            }) { res async throws in
                XCTAssertEqual(res.status, .forbidden)
                XCTAssertNil(res.headers.setCookie?[IdentityMiddleware.cookieName])
            }
            // A token that does not match the cookie: refused.
            try await app.test(.POST, "/login", headers: ["Cookie": "patrol_csrf=\(testCSRF)"], beforeRequest: { req async throws in
                req.headers.contentType = .urlEncodedForm
                req.body = .init(string: "username=erin&password=Correct-Horse-9&_csrf=other-token-0123456789abcdefghijkl")
            }) { res async throws in XCTAssertEqual(res.status, .forbidden) }
            // Matching token: signed in, cookie HttpOnly and SameSite.
            try await app.test(.POST, "/login", headers: ["Cookie": "patrol_csrf=\(testCSRF)"], beforeRequest: { req async throws in
                req.headers.contentType = .urlEncodedForm
                req.body = .init(string: formBody(["username": "erin", "password": "Correct-Horse-9"]))
            }) { res async throws in
                XCTAssertEqual(res.status, .seeOther)
                let cookie = try XCTUnwrap(res.headers.setCookie?[IdentityMiddleware.cookieName])
                XCTAssertTrue(cookie.isHTTPOnly)
                XCTAssertEqual(cookie.sameSite, .lax)
            }
        }
    }

    func testSecurityHeadersOnEveryAnswer() async throws {
        try await withEachDatabase { app, _ in
            for path in ["/login", "/api/v1/campaigns", "/no-such-page"] {
                try await app.test(.GET, path) { res async throws in
                    let csp = res.headers.first(name: "Content-Security-Policy") ?? ""
                    XCTAssertTrue(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), path)
                    XCTAssertEqual(res.headers.first(name: "X-Frame-Options"), "DENY", path)
                    XCTAssertEqual(res.headers.first(name: "X-Content-Type-Options"), "nosniff", path)
                }
            }
        }
    }
}
