import FluentKit
import Foundation
import PatrolCore
import SQLKit

/// Who did something and from where, for the audit log.
public struct AuditContext: Sendable {
    public var actorID: UUID?
    public var actor: String
    public var clientAddress: String

    public init(actorID: UUID?, actor: String, clientAddress: String) {
        self.actorID = actorID
        self.actor = actor
        self.clientAddress = clientAddress
    }

    public static func commandLine() -> AuditContext {
        let user = ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        return AuditContext(actorID: nil, actor: "cli:\(user)", clientAddress: "local")
    }
}

/// Writes and checks the hash-chained, append-only audit log.
public enum AuditLog {
    /// Appends one entry. Runs inside the caller's transaction when there is one, so the entry
    /// lands exactly when the change it describes does.
    @discardableResult
    public static func append(on database: any Database, _ context: AuditContext, action: String,
                              objectType: String, objectID: String, details: [String: String] = [:],
                              at: Date = Date()) async throws -> AuditEvent {
        try await database.transaction { db in
            if let sql = db as? any SQLDatabase, sql.dialect.name == "postgresql" {
                // Serialises appenders so two entries never claim the same predecessor.
                try await sql.raw("SELECT pg_advisory_xact_lock(7419001)").run()
            } else if let sql = db as? any SQLDatabase, sql.dialect.name == "sqlite" {
                // The same on SQLite: take the write lock before reading the last entry. A transaction
                // that reads first and writes after cannot wait for another appender without
                // deadlocking, so SQLite fails it at once ("database is locked"), and a burst of
                // parallel appends (failed sign-ins) answered 500. Starting with a write waits instead;
                // this one matches no row, so the append-only triggers have nothing to refuse.
                try await sql.raw("UPDATE \(ident: AuditEvent.schema) SET seq = seq WHERE 0 = 1").run()
            }
            let last = try await AuditEvent.query(on: db).sort(\.$seq, .descending).first()
            let event = AuditEvent()
            event.seq = (last?.seq ?? 0) + 1
            // Millisecond precision: what both databases round-trip exactly and what the hash covers.
            event.at = Date(timeIntervalSince1970: (at.timeIntervalSince1970 * 1000).rounded() / 1000)
            event.actorID = context.actorID
            event.actor = context.actor
            event.clientAddress = context.clientAddress
            event.action = action
            event.objectType = objectType
            event.objectID = objectID
            event.details = JSONText.encode(details)
            event.prevHash = last?.hash ?? AuditChain.genesis
            event.hash = AuditChain.hash(seq: event.seq, at: event.at, actor: event.actor,
                                         clientAddress: event.clientAddress, action: action, objectType: objectType,
                                         objectID: objectID, details: event.details, prevHash: event.prevHash)
            try await event.create(on: db)
            return event
        }
    }

    public struct Verification: Sendable {
        public var checked: Int
        public var firstBreak: AuditChain.Break?
    }

    /// Walks the whole chain in pages, so memory stays flat however long the log is.
    public static func verify(on database: any Database, pageSize: Int = 5000) async throws -> Verification {
        var previous: (seq: Int, hash: String) = (0, AuditChain.genesis)
        var checked = 0
        while true {
            let page = try await AuditEvent.query(on: database)
                .filter(\.$seq > previous.seq).sort(\.$seq).limit(pageSize).all()
            if page.isEmpty { return Verification(checked: checked, firstBreak: nil) }
            if let broken = AuditChain.verify(page.map(\.chainEntry), startingAfter: previous) {
                return Verification(checked: checked, firstBreak: broken)
            }
            checked += page.count
            previous = (page.last!.seq, page.last!.hash)
        }
    }
}
