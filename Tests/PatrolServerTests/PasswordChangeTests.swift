import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// Issue 18, item 4: every way of changing or resetting a password also revokes the user's gateway
/// token (whoever had the old password may have the token too), and the gateway stops taking it.
final class PasswordChangeTests: XCTestCase {
    func tester(_ app: Application) async throws -> User {
        try await app.loadRunningDemoCampaign()
        try await app.makeUser("tess", .tester, team: "T01")
        try await app.makeUser("root", .admin)
        _ = try await GatewayToken.rotate(username: "tess", on: app.db)
        return try await User.query(on: app.db).filter(\.$username == "tess").first()!
    }

    func reloaded(_ app: Application) async throws -> User {
        try await User.query(on: app.db).filter(\.$username == "tess").first()!
    }

    func testOwnChangeOverTheAPIRevokesTheGatewayToken() async throws {
        try await withEachDatabase { app, location in
            // setup
            let before = try await tester(app)
            XCTAssertNotNil(before.gatewayTokenHash)
            let directory = try await GatewayDirectory.load(on: app.db)
            XCTAssertNotNil(directory.testers["tess"], "the gateway takes the token before")
            let token = try await app.token(for: "tess", kind: .api)
            // MUT
            try await app.test(.POST, SiteURL.api(.password).path, headers: ["Authorization": "Bearer \(token)"], beforeRequest: { req async throws in
                try req.content.encode(["currentPassword": "Correct-Horse-9", "newPassword": "Another-Horse-27"], as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .noContent, location.redacted) }
            // validate
            let after = try await reloaded(app)
            XCTAssertNil(after.gatewayTokenHash)
            let refreshed = try await GatewayDirectory.load(on: app.db)
            XCTAssertNil(refreshed.testers["tess"], "the gateway no longer takes it")
            let audit = try await AuditEvent.query(on: app.db).filter(\.$action == "user.password.change").first()
            XCTAssertEqual(audit?.details.contains("revoked"), true)
        }
    }

    func testOwnChangeOnThePageRevokesTheGatewayToken() async throws {
        try await withEachDatabase { app, _ in
            _ = try await tester(app)
            let token = try await app.token(for: "tess", kind: .web)
            try await app.test(.POST, SiteURL.password.path, headers: ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(token)"],
                               beforeRequest: { req async throws in
                req.headers.contentType = .urlEncodedForm
                req.body = .init(string: formBody(["current": "Correct-Horse-9", "new": "Another-Horse-27", "confirm": "Another-Horse-27"]))
            }) { res async throws in XCTAssertEqual(res.status, .seeOther) }
            let revoked = try await reloaded(app).gatewayTokenHash
            XCTAssertNil(revoked)
        }
    }

    func testAdminResetRevokesTheGatewayToken() async throws {
        try await withEachDatabase { app, _ in
            _ = try await tester(app)
            let admin = try await app.token(for: "root", kind: .api)
            try await app.test(.POST, SiteURL.api(.user(.value("tess"), .password)).path, headers: ["Authorization": "Bearer \(admin)"]) { res async throws in
                XCTAssertEqual(res.status, .ok)
            }
            let revoked = try await reloaded(app).gatewayTokenHash
            XCTAssertNil(revoked)
            // and on the admin's page
            _ = try await GatewayToken.rotate(username: "tess", on: app.db)
            let page = try await app.token(for: "root", kind: .web)
            try await app.test(.POST, SiteURL.user(.value("tess"), .reset).path,
                               headers: ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(page)"], beforeRequest: { req async throws in
                req.headers.contentType = .urlEncodedForm
                req.body = .init(string: formBody([:]))
            }) { res async throws in XCTAssertEqual(res.status, .ok) }
            let revokedAgain = try await reloaded(app).gatewayTokenHash
            XCTAssertNil(revokedAgain)
        }
    }

    func testCommandLineSetRevokesTheGatewayToken() async throws {
        try await withEachDatabase { app, _ in
            let user = try await tester(app)
            try await Accounts(db: app.db, application: app).setPassword(user: user, to: "Another-Horse-27", context: .commandLine())
            let revoked = try await reloaded(app).gatewayTokenHash
            XCTAssertNil(revoked)
        }
    }
}
