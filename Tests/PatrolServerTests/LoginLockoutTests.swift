import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// Issue 18, item 4: lockout counted atomically in the database (on every server process), and
/// one answer for an unknown username, a wrong password and a locked account.
final class LoginLockoutTests: XCTestCase {
    static func loginRequest(_ username: String, _ password: String) -> [UInt8] {
        let body = Array(#"{"username":"\#(username)","password":"\#(password)"}"#.utf8)
        return RawHTTP.request("POST", "/api/v1/auth/login", headers: [
            ("Content-Type", "application/json"), ("Content-Length", "\(body.count)"), ("Connection", "close"),
        ], body: body)
    }

    /// `count` wrong-password sign-ins at once, each on its own connection, spread over `ports`.
    static func parallelWrongLogins(_ count: Int, ports: [Int]) async throws -> [RawHTTP.Answer] {
        try await withThrowingTaskGroup(of: RawHTTP.Answer.self) { group in
            for i in 0..<count {
                group.addTask { try await RawHTTP.exchange(port: ports[i % ports.count], loginRequest("bob", "wrong-password-\(i % 7)")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// A JSON answer with its keys in one order (the API's error object does not fix theirs).
    static func json(_ text: String) throws -> String {
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }

    static func reasons(_ app: Application) async throws -> [String: Int] {
        try await AuditEvent.query(on: app.db).filter(\.$action == "login.failure").all()
            .reduce(into: [:]) { counts, event in
                let details = try JSONDecoder().decode([String: String].self, from: Data(event.details.utf8))
                counts[details["reason"] ?? "", default: 0] += 1
            }
    }

    func testHundredParallelWrongPasswordsLockAfterExactlyFive() async throws {
        try await withEachDatabase { app, location in
            // setup
            try await app.makeUser("bob", .reviewer)
            try await app.withRunningServer { port in
                // MUT
                let answers = try await Self.parallelWrongLogins(100, ports: [port])
                // validate: every one refused alike; five counted, the account locked, the rest not counted
                XCTAssertEqual(Set(answers.map(\.status)), [401], location.redacted)
                XCTAssertEqual(Set(try answers.map { try Self.json($0.body) }).count, 1, "one answer for all: \(Set(answers.map(\.body)))")
                let bob = try await User.query(on: app.db).filter(\.$username == "bob").first()!
                XCTAssertEqual(bob.failedLogins, 5, location.redacted)
                XCTAssertGreaterThan(bob.lockedUntil ?? .distantPast, Date().addingTimeInterval(14 * 60))
                let reasons = try await Self.reasons(app)
                XCTAssertEqual(reasons["wrong password"], 5, "\(reasons)")
                XCTAssertEqual(reasons["locked"], 95, "\(reasons)")
                // The right password now gets the very same answer.
                let right = try await RawHTTP.exchange(port: port, Self.loginRequest("bob", "Correct-Horse-9"))
                XCTAssertEqual(right.status, 401)
                XCTAssertEqual(try Self.json(right.body), try Self.json(answers[0].body))
            }
        }
    }

    /// PostgreSQL is the engine several server processes share: two applications with their own
    /// connection pools and event loops, on one database, each taking half of the attempts.
    func testLockHoldsAcrossServerProcesses() async throws {
        try await withEachDatabase { app, location in
            guard location.isPostgres else { return }
            try await app.makeUser("bob", .reviewer)
            let second = try await Application.make(.testing)
            do {
                try await configure(second, options: PatrolOptions(
                    database: location, dataDirectory: FileManager.default.temporaryDirectory.path, bcryptCost: 4))
                second.logger.logLevel = .warning
                try await app.withRunningServer { first in
                    try await second.withRunningServer { other in
                        let answers = try await Self.parallelWrongLogins(100, ports: [first, other])
                        XCTAssertEqual(Set(answers.map(\.status)), [401])
                    }
                }
                let bob = try await User.query(on: app.db).filter(\.$username == "bob").first()!
                XCTAssertEqual(bob.failedLogins, 5)
                XCTAssertNotNil(bob.lockedUntil)
                let reasons = try await Self.reasons(app)
                XCTAssertEqual(reasons["wrong password"], 5, "\(reasons)")
            } catch {
                try? await second.asyncShutdown()
                throw error
            }
            try await second.asyncShutdown()
        }
    }

    /// The database's count follows `LoginThrottle` step by step: up to the lock, not while locked,
    /// afresh once the lock has run out.
    func testDatabaseCountFollowsTheThrottleRule() async throws {
        try await withEachDatabase { app, location in
            let user = try await app.makeUser("bob", .reviewer)
            let id = try user.requireID()
            let throttle = LoginThrottle(maxFailures: 3, lockDuration: 600)
            let start = Date(timeIntervalSince1970: 1_700_000_000)
            var expected: (failures: Int, lockedUntil: Date?) = (0, nil)
            for minute in [0, 1, 2, 3, 9, 12, 13, 14, 30] {
                let now = start.addingTimeInterval(Double(minute) * 60)
                let rule = throttle.afterFailure(failures: expected.failures, lockedUntil: expected.lockedUntil, now: now)
                let counted = try await User.countFailedLogin(id: id, throttle: throttle, now: now, on: app.db)
                if throttle.isLocked(lockedUntil: expected.lockedUntil, now: now) {
                    XCTAssertNil(counted, "minute \(minute): not counted while locked (\(location.redacted))")
                } else {
                    XCTAssertEqual(counted?.failures, rule.failures, "minute \(minute)")
                    XCTAssertEqual(counted?.lockedUntil?.timeIntervalSince1970 ?? 0, rule.lockedUntil?.timeIntervalSince1970 ?? 0,
                                   accuracy: 0.01, "minute \(minute)")
                }
                expected = rule
            }
            XCTAssertEqual(expected.failures, 1, "a fresh count after the lock ran out at minute 12")
            // A success while locked leaves the lock; after it, it clears the count.
            let locked = try await User.countFailedLogin(id: id, throttle: throttle, now: start.addingTimeInterval(31 * 60), on: app.db)
            _ = try await User.countFailedLogin(id: id, throttle: throttle, now: start.addingTimeInterval(32 * 60), on: app.db)
            XCTAssertEqual(locked?.failures, 2)
            let lockedNow = start.addingTimeInterval(33 * 60)
            let clearedWhileLocked = try await User.clearFailedLogins(id: id, now: lockedNow, on: app.db)
            XCTAssertFalse(clearedWhileLocked)
            let clearedAfter = try await User.clearFailedLogins(id: id, now: lockedNow.addingTimeInterval(600), on: app.db)
            XCTAssertTrue(clearedAfter)
        }
    }

    func testUnknownWrongAndLockedGetOneAnswer() async throws {
        try await withEachDatabase { app, location in
            // setup: bob exists, carol is locked (her right password is given below), nobody does not exist
            try await app.makeUser("bob", .reviewer)
            let carol = try await app.makeUser("carol", .reviewer)
            carol.failedLogins = 5
            carol.lockedUntil = Date().addingTimeInterval(600)
            try await carol.save(on: app.db)
            let attempts = [("nobody", "Correct-Horse-9"), ("bob", "wrong-password"), ("carol", "Correct-Horse-9")]
            // MUT + validate: the API
            var answers: [String] = []
            for (username, password) in attempts {
                try await app.test(.POST, "/api/v1/auth/login", beforeRequest: { req async throws in
                    try req.content.encode(["username": username, "password": password], as: .json)
                }) { res async throws in
                    XCTAssertEqual(res.status, .unauthorized, "\(username) on \(location.redacted)")
                    answers.append("\(res.headers[.wwwAuthenticate]) \(try Self.json(res.body.string))")
                }
            }
            XCTAssertEqual(Set(answers).count, 1, "\(answers)")
            // the sign-in page, in both languages (the username typed is shown back, so it is taken out)
            for language in Localizer.Language.allCases {
                var pages: [String] = []
                for (username, password) in attempts {
                    try await app.test(.POST, "/login", headers: ["Cookie": "patrol_csrf=\(testCSRF); patrol_lang=\(language.rawValue)"],
                                       beforeRequest: { req async throws in
                        req.headers.contentType = .urlEncodedForm
                        req.body = .init(string: formBody(["username": username, "password": password]))
                    }) { res async throws in
                        XCTAssertEqual(res.status, .unauthorized, "\(username)")
                        XCTAssertTrue(res.body.string.contains(app.localizer.text("login.invalid", language)))
                        pages.append(res.body.string.replacingOccurrences(of: "value=\"\(username)\"", with: "value=\"…\""))
                    }
                }
                XCTAssertEqual(Set(pages).count, 1, "the pages differ in \(language)")
            }
        }
    }

    /// An unknown username costs one Bcrypt verify at the configured cost, as a real account does:
    /// the dummy hash is well formed (a malformed one would throw at once and cost nothing) and no
    /// password matches it. (The time itself is measured, not asserted: timing belongs in benchmarks.)
    func testUnknownUsernamePaysABcryptVerify() throws {
        for cost in [4, 10, 12] {
            let dummy = Accounts.dummyHash(cost: cost)
            XCTAssertEqual(dummy.count, try Bcrypt.hash("x", cost: cost).count)
            XCTAssertTrue(dummy.hasPrefix(String(try Bcrypt.hash("x", cost: cost).prefix(7))), "same cost as a real hash")
            XCTAssertFalse(try Bcrypt.verify("", created: dummy))
            XCTAssertFalse(try Bcrypt.verify("Correct-Horse-9", created: dummy))
        }
    }
}
