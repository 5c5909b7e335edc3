import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// The outbox's claims and records on both databases: a message is held by one claim at a time, a
/// dead worker's claim expires and the message comes back (at least once, never lost), retries back
/// off, and the last attempt fails for the admin to see and resend.
final class SMSOutboxTests: XCTestCase {
    func add(_ app: Application, _ n: Int, now: Date) async throws {
        for i in 0..<n {
            try await SMSMessage(campaignID: nil, event: "notice", dedupeKey: "t:\(i)", phone: "1380000\(String(format: "%04d", i))",
                                 template: "notice", params: [:], body: "msg \(i)", now: now.addingTimeInterval(Double(i))).create(on: app.db)
        }
    }

    func testClaimsLeasesRetriesAndFailure() async throws {
        try await withEachDatabase { app, _ in
            let t0 = Date(timeIntervalSince1970: 1_800_000_000)
            try await self.add(app, 3, now: t0)
            let now = t0.addingTimeInterval(10)
            let first = try await SMSOutbox.claim(limit: 2, now: now, on: app.db)
            XCTAssertEqual(first.map(\.body), ["msg 0", "msg 1"])
            XCTAssertTrue(first.allSatisfy { $0.status == .sending && $0.attempts == 1 })
            let second = try await SMSOutbox.claim(limit: 5, now: now, on: app.db)
            XCTAssertEqual(second.map(\.body), ["msg 2"], "held messages are not claimed twice")
            let none = try await SMSOutbox.claim(limit: 5, now: now, on: app.db)
            XCTAssertEqual(none.count, 0)

            // The worker holding msg 0 and msg 1 dies; after the lease they come back.
            let later = now.addingTimeInterval(61)
            let again = try await SMSOutbox.claim(limit: 5, now: later, on: app.db)
            XCTAssertEqual(Set(again.map(\.body)), ["msg 0", "msg 1", "msg 2"])
            XCTAssertTrue(again.allSatisfy { $0.attempts == 2 })
            // The dead worker's late answer is ignored: its lease is gone.
            let stale = try await SMSOutbox.record(first[0], .sent(provider: "log", messageID: nil), now: later, on: app.db)
            XCTAssertFalse(stale)

            let byBody = Dictionary(uniqueKeysWithValues: again.map { ($0.body, $0) })
            let sent = try await SMSOutbox.record(byBody["msg 0"]!, .sent(provider: "aliyun", messageID: "biz-1"), now: later, on: app.db)
            XCTAssertTrue(sent)
            try await SMSOutbox.record(byBody["msg 1"]!, .retry(error: "HTTP503"), now: later, jitter: 0, on: app.db)
            try await SMSOutbox.record(byBody["msg 2"]!, .fail(error: "isv.MOBILE_NUMBER_ILLEGAL"), now: later, on: app.db)
            let all = try await SMSMessage.query(on: app.db).all()
            let state = Dictionary(uniqueKeysWithValues: all.map { ($0.body, $0) })
            XCTAssertEqual(state["msg 0"]?.status, .sent)
            XCTAssertEqual(state["msg 0"]?.providerMessageID, "biz-1")
            XCTAssertEqual(state["msg 1"]?.status, .pending)
            // Second attempt: 30 s × 2 with no jitter.
            XCTAssertEqual(state["msg 1"]!.nextAttemptAt.timeIntervalSince(later), 60, accuracy: 0.01)
            XCTAssertEqual(state["msg 2"]?.status, .failed)
            XCTAssertEqual(state["msg 2"]?.lastError, "isv.MOBILE_NUMBER_ILLEGAL")

            // Not due yet; then due; retries run out into `failed`; the admin resends.
            let early = try await SMSOutbox.claim(limit: 5, now: later.addingTimeInterval(30), on: app.db)
            XCTAssertEqual(early.count, 0)
            var policy = SMSOutbox.Policy()
            policy.maxAttempts = 3
            let due = try await SMSOutbox.claim(limit: 5, now: later.addingTimeInterval(61), policy: policy, on: app.db)
            XCTAssertEqual(due.map(\.body), ["msg 1"])
            try await SMSOutbox.record(due[0], .retry(error: "HTTP503"), now: later.addingTimeInterval(61), policy: policy, on: app.db)
            let exhausted = try await SMSMessage.find(due[0].id, on: app.db)!
            XCTAssertEqual(exhausted.status, .failed, "the third attempt was the last")
            let resent = try await SMSOutbox.resend(exhausted.id!, now: later.addingTimeInterval(100), on: app.db)
            XCTAssertTrue(resent)
            let back = try await SMSMessage.find(due[0].id, on: app.db)!
            XCTAssertEqual(back.status, .pending)
            XCTAssertEqual(back.attempts, 0)
        }
    }

    func testConcurrentWorkersNeverShareAMessage() async throws {
        try await withEachDatabase { app, _ in
            let t0 = Date(timeIntervalSince1970: 1_800_000_000)
            try await self.add(app, 20, now: t0)
            let db = app.db
            let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<4 {
                    group.addTask { try await SMSOutbox.claim(limit: 8, now: t0.addingTimeInterval(60), on: db).map(\.body) }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            XCTAssertEqual(claimed.count, 20)
            XCTAssertEqual(Set(claimed).count, 20, "no message claimed twice")
        }
    }

    func testBackoffDelay() {
        let p = SMSOutbox.Policy()
        XCTAssertEqual(p.delay(afterAttempts: 1, jitter: 0), 30)
        XCTAssertEqual(p.delay(afterAttempts: 3, jitter: 0), 120)
        XCTAssertEqual(p.delay(afterAttempts: 3, jitter: 1), 144, accuracy: 0.001)
        XCTAssertEqual(p.delay(afterAttempts: 20, jitter: 0), 3600, "capped")
    }
}
