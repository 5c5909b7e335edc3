import FluentKit
import Foundation
import SQLKit

/// The SMS outbox's state changes (SPEC §4). Messages are claimed with a lease: a claim marks them
/// `sending` until `lease_until`, so two workers (or two processes) never hold the same message; a
/// worker that dies leaves its lease to expire and the message is claimed again — at least once,
/// never lost. On PostgreSQL the claim skips rows another transaction is claiming
/// (`FOR UPDATE SKIP LOCKED`); SQLite serialises writers, so the single statement is enough.
public enum SMSOutbox {
    public struct Policy: Sendable {
        /// How long a claim holds a message.
        public var lease: TimeInterval = 60
        /// Attempts before a retryable failure becomes `failed`.
        public var maxAttempts = 8
        /// First retry delay; doubled per attempt, with up to 20 % jitter, capped at `maxDelay`.
        public var baseDelay: TimeInterval = 30
        public var maxDelay: TimeInterval = 3600
        public init() {}

        /// The delay before the next try after `attempts` tries; `jitter` in 0...1.
        public func delay(afterAttempts attempts: Int, jitter: Double) -> TimeInterval {
            let exponential = baseDelay * pow(2, Double(max(0, attempts - 1)))
            return min(maxDelay, exponential) * (1 + 0.2 * min(1, max(0, jitter)))
        }
    }

    /// Claims up to `limit` due messages (pending and due, or sending with an expired lease).
    public static func claim(limit: Int, now: Date, policy: Policy = Policy(), on db: any Database) async throws -> [SMSMessage] {
        guard let sql = db as? any SQLDatabase else { fatalError("Patrol's databases are SQL databases") }
        let lock = sql.dialect.name == "postgresql" ? " FOR UPDATE SKIP LOCKED" : ""
        // Whole seconds: the lease is compared for equality when recording, and a whole-second time
        // reads back exactly from both databases (fractions may not).
        let lease = Date(timeIntervalSince1970: (now.timeIntervalSince1970 + policy.lease).rounded(.up))
        let rows = try await sql.raw("""
            UPDATE sms_messages SET status = 'sending', lease_until = \(bind: lease),
                   attempts = attempts + 1
            WHERE id IN (SELECT id FROM sms_messages
                         WHERE (status = 'pending' AND next_attempt_at <= \(bind: now))
                            OR (status = 'sending' AND lease_until < \(bind: now))
                         ORDER BY next_attempt_at LIMIT \(bind: limit)\(unsafeRaw: lock))
            RETURNING id
            """).all()
        let ids = try rows.map { try $0.decode(column: "id", as: UUID.self) }
        guard !ids.isEmpty else { return [] }
        return try await SMSMessage.query(on: db).filter(\.$id ~~ ids).sort(\.$nextAttemptAt).all()
    }

    public enum Result: Sendable, Equatable {
        case sent(provider: String, messageID: String?)
        case retry(error: String)
        case fail(error: String)
        /// Not tried (the per-phone rate limit): back to pending until then, the attempt not counted.
        case postpone(until: Date)
    }

    /// Records what the provider said, only if the claim is still ours (same lease); returns false
    /// when the lease had expired and someone else took the message.
    @discardableResult
    public static func record(_ message: SMSMessage, _ result: Result, now: Date, policy: Policy = Policy(),
                              jitter: Double = Double.random(in: 0...1), on db: any Database) async throws -> Bool {
        guard let sql = db as? any SQLDatabase, let id = message.id, let lease = message.leaseUntil else { return false }
        let query: SQLQueryString
        switch result {
        case .sent(let provider, let messageID):
            query = """
                UPDATE sms_messages SET status = 'sent', sent_at = \(bind: now), provider = \(bind: provider),
                       provider_message_id = \(bind: messageID), lease_until = NULL, last_error = NULL
                """
        case .retry(let error) where message.attempts < policy.maxAttempts:
            let next = now.addingTimeInterval(policy.delay(afterAttempts: message.attempts, jitter: jitter))
            query = """
                UPDATE sms_messages SET status = 'pending', next_attempt_at = \(bind: next), lease_until = NULL,
                       last_error = \(bind: String(error.prefix(500)))
                """
        case .postpone(let until):
            query = """
                UPDATE sms_messages SET status = 'pending', next_attempt_at = \(bind: until), lease_until = NULL,
                       attempts = attempts - 1
                """
        case .retry(let error), .fail(let error):
            query = """
                UPDATE sms_messages SET status = 'failed', lease_until = NULL, last_error = \(bind: String(error.prefix(500)))
                """
        }
        let rows = try await sql.raw("""
            \(query) WHERE id = \(bind: id) AND status = 'sending' AND lease_until = \(bind: lease) RETURNING id
            """).all()
        return rows.count == 1
    }

    /// When each of `phones` was last sent a message since `since` (one query per batch), for the
    /// per-phone rate limit.
    public static func lastSent(to phones: Set<String>, since: Date, on db: any Database) async throws -> [String: Date] {
        guard !phones.isEmpty else { return [:] }
        let rows = try await SMSMessage.query(on: db).filter(\.$phone ~~ Array(phones)).filter(\.$status == .sent)
            .filter(\.$sentAt >= since).all()
        var last: [String: Date] = [:]
        for m in rows { if let at = m.sentAt, at > (last[m.phone] ?? .distantPast) { last[m.phone] = at } }
        return last
    }

    /// Writes a message unless one with its dedupe key exists (one message per event and phone);
    /// returns whether it was written.
    @discardableResult
    public static func enqueue(_ message: SMSMessage, on db: any Database) async throws -> Bool {
        if try await SMSMessage.query(on: db).filter(\.$dedupeKey == message.dedupeKey).first() != nil { return false }
        do {
            try await message.create(on: db)
            return true
        } catch let error as any DatabaseError where error.isConstraintFailure {
            return false  // written meanwhile by another worker
        }
    }

    /// The admin's resend of a failed message: due now, attempts counted afresh.
    public static func resend(_ id: UUID, now: Date, on db: any Database) async throws -> Bool {
        guard let sql = db as? any SQLDatabase else { return false }
        let rows = try await sql.raw("""
            UPDATE sms_messages SET status = 'pending', attempts = 0, next_attempt_at = \(bind: now), last_error = NULL
            WHERE id = \(bind: id) AND status = 'failed' RETURNING id
            """).all()
        return rows.count == 1
    }
}
