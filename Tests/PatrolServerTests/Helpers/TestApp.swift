import Fluent
import PatrolSMS
import Foundation
import PatrolCore
import PatrolStore
import SQLKit
import XCTVapor
@testable import PatrolServer

/// The databases every integration test runs on: in-memory SQLite always, PostgreSQL when
/// `PATROL_TEST_POSTGRES_URL` is set (CI sets it).
func testDatabases() -> [DatabaseLocation] {
    var list: [DatabaseLocation] = [.sqliteMemory]
    if let url = ProcessInfo.processInfo.environment["PATROL_TEST_POSTGRES_URL"], !url.isEmpty { list.append(.postgres(url)) }
    return list
}

/// Runs `body` once per database with a freshly migrated, empty schema.
/// Uploaded files go to a fresh temporary data directory; `adjust` may change other options.
func withEachDatabase(adjust: (inout PatrolOptions) -> Void = { _ in },
                      _ body: (Application, DatabaseLocation) async throws -> Void) async throws {
    for location in testDatabases() {
        try await withApp(on: location, adjust: adjust) { app in try await body(app, location) }
    }
}

/// Runs `body` with an application on `location`, migrated (a PostgreSQL schema emptied first), and
/// a fresh temporary data directory; shuts the application down after.
func withApp(on location: DatabaseLocation, adjust: (inout PatrolOptions) -> Void = { _ in },
             _ body: (Application) async throws -> Void) async throws {
    let app = try await Application.make(.testing)
    let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("patrol-test-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
    do {
        var options = PatrolOptions(database: location, dataDirectory: dataDirectory, bcryptCost: 4)
        options.sessionIdleTimeout = 30 * 60
        adjust(&options)
        try await configure(app, options: options)
        app.logger.logLevel = .warning
        if location.isPostgres, let sql = app.db as? any SQLDatabase {
            try await sql.raw("DROP SCHEMA public CASCADE").run()
            try await sql.raw("CREATE SCHEMA public").run()
        }
        try await app.autoMigrate()
        try await body(app)
        try await app.asyncShutdown()
    } catch {
        try? await app.asyncShutdown()
        XCTFail("on \(location.redacted): \(error)")
        throw error
    }
}

extension Application {
    /// The demo campaign (83 units, closed) without its accounts.
    func loadDemoCampaign() async throws {
        let checked = try BundleValidator.check(try DemoCampaign.bundle())
        _ = try await BundleImporter.importBundle(checked, replace: false, on: db,
                                                  context: AuditContext(actorID: nil, actor: "test", clientAddress: "local"))
    }

    /// The demo campaign, loaded and made to be running with its window open around now.
    @discardableResult
    func loadRunningDemoCampaign(from start: TimeInterval = -3600, to end: TimeInterval = 86_400) async throws -> Campaign {
        try await loadDemoCampaign()
        let c = try await Campaign.find(code: "CZ2022", on: db)!
        c.state = .running
        c.startsAt = Date().addingTimeInterval(start)
        c.endsAt = Date().addingTimeInterval(end)
        try await c.save(on: db)
        return c
    }

    @discardableResult
    func makeUser(_ username: String, _ role: Role, unit: String? = nil, team: String? = nil,
                  password: String = "Correct-Horse-9") async throws -> User {
        try await Accounts(db: db, application: self).create(
            UserDraft(username: username, role: role.rawValue, unit: unit, team: team, password: password),
            context: AuditContext(actorID: nil, actor: "test", clientAddress: "local")).user
    }

    /// A fresh session token for the user, for a page (`web`) or the API.
    func token(for username: String, kind: UserSession.Kind) async throws -> String {
        let user = try await User.query(on: db).filter(\.$username == username).first()!
        let token = SessionToken.generate()
        try await UserSession(tokenHash: SessionToken.digest(token), userID: user.requireID(), kind: kind,
                              clientAddress: "127.0.0.1", now: Date()).create(on: db)
        return token
    }
}

/// A form-encoded body with the CSRF field, and the matching cookie.
let testCSRF = "csrf-token-for-tests-0123456789abcdefghij"

func formBody(_ fields: [String: String]) -> String {
    (fields.merging(["_csrf": testCSRF]) { a, _ in a })
        .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
        .joined(separator: "&")
}

/// A fake SMS provider on a local port answering with `handler`, for the duration of `body`.
func withFakeProvider(_ handler: @escaping @Sendable (Request) async throws -> Response,
                      _ body: (URL) async throws -> Void) async throws {
    let fake = try await Application.make(.testing)
    fake.post { req in try await handler(req) }
    // Port 0: the system picks a free one. A random fixed port could be one of the system's own
    // ephemeral ports in use (32768–60999), and CI once failed with "Address already in use".
    try await fake.server.start(address: .hostname("127.0.0.1", port: 0))
    guard let port = fake.http.server.shared.localAddress?.port else {
        await fake.server.shutdown()
        try await fake.asyncShutdown()
        throw Abort(.internalServerError, reason: "the fake provider has no port")
    }
    do {
        try await body(URL(string: "http://127.0.0.1:\(port)/")!)
    } catch {
        await fake.server.shutdown()
        try await fake.asyncShutdown()
        throw error
    }
    await fake.server.shutdown()
    try await fake.asyncShutdown()
}

/// Alibaba settings pointing at a fake endpoint.
func aliyunSettings(_ url: URL, secret: String) -> SMSSettings {
    var settings = SMSSettings()
    settings.provider = .aliyun
    settings.endpoint = url
    settings.keyID = "id"; settings.keySecret = secret; settings.signName = "网信办"; settings.region = "cn-hangzhou"
    settings.templates = ["notice": "SMS_NOTICE"]
    return settings
}
