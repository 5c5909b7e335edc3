import CPatrolSQLite
import FluentKit
import Foundation
import NIOConcurrencyHelpers
import SQLiteNIO

/// Writes the gateway's record batches into an SQLite database through a connection of its own,
/// with the INSERT prepared once and every value bound in place (see CPatrolSQLite for why this
/// does not go through SQLiteNIO). The rows land exactly as Fluent stores them: UUIDs as text,
/// dates as seconds since 1970, booleans as 0/1, so the records API reads them like any other.
///
/// Blocking: call `write(_:)` from a thread pool, never from an event loop. One batch at a time.
public final class SQLiteRecordWriter: @unchecked Sendable {
    /// The database file (what `PRAGMA database_list` names as `main`).
    public let path: String
    private let lock = NIOLock()
    // Guarded by `lock`.
    private var db: OpaquePointer?
    private var insert: OpaquePointer?
    private var lookups: [OpaquePointer?] = []
    private var arena: [UInt8] = []
    private var values: [Value] = []

    /// What one bound column holds; text and blobs point into `arena`.
    private enum Value {
        case null
        case integer(Int64)
        case real(Double)
        case text(Int, Int)
        case blob(Int, Int)
    }

    /// An SQLite call that failed, with SQLite's own message.
    public struct Failure: Error, CustomStringConvertible {
        public var code: Int32
        public var message: String
        public var description: String { "SQLite error \(code): \(message)" }
    }

    /// The page cache of the writing connection, in KiB: a batch of a few thousand rows with bodies
    /// is several MiB, and with SQLite's default 2 MiB its pages spilled to the WAL mid-transaction.
    static let cacheKiB = 16 * 1024

    /// Opens the (existing, migrated) database. Busy waits up to 10 s for other writers.
    public init(path: String) throws {
        self.path = path
        var handle: OpaquePointer?
        let flags = Int32(PATROL_SQLITE_OPEN_READWRITE | PATROL_SQLITE_OPEN_URI | PATROL_SQLITE_OPEN_FULLMUTEX
                          | PATROL_SQLITE_OPEN_EXRESCODE)
        let opened = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard opened == Self.ok, let handle else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "cannot open \(path)"
            if let handle { sqlite_nio_sqlite3_close_v2(handle) }
            throw Failure(code: opened, message: message)
        }
        db = handle
        do {
            sqlite_nio_sqlite3_busy_timeout(handle, 10_000)
            // Like every connection Fluent opens; the links are also checked before each batch.
            try exec("PRAGMA foreign_keys = ON")
            try exec("PRAGMA cache_size = -\(Self.cacheKiB)")
            // This connection commits nearly every page, so it also checkpoints (SQLite's default,
            // 1,000 pages, would be 16 MiB of WAL copied at once with 16 KiB pages).
            let pageSize = try pragmaInteger("page_size")
            try exec("PRAGMA wal_autocheckpoint = \(max(1, SQLiteFile.checkpointBytes / max(1, pageSize)))")
            let columns = GatewayRecordRow.columns
            insert = try prepare("INSERT INTO \"\(GatewayRecord.schema)\" (" + columns.map { "\"\($0)\"" }.joined(separator: ",")
                                 + ") VALUES (" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")")
            for table in [Campaign.schema, Team.schema, User.schema] {
                lookups.append(try prepare("SELECT 1 FROM \"\(table)\" WHERE \"id\" = ?"))
            }
        } catch {
            close()
            throw error
        }
        arena.reserveCapacity(16 * 1024)
        values.reserveCapacity(columns.count)
    }

    private var columns: [String] { GatewayRecordRow.columns }

    /// CPU time the writing thread has spent in `write(_:)` (`patrol-bench records` in Benchmarks/): the
    /// writer's own cost, apart from compression and from whatever else the machine runs.
    public var cpuTime: Duration { lock.withLock { cpuSpent } }
    private var cpuSpent = Duration.zero  // guarded by `lock`

    private static func threadCPU() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return .seconds(now.tv_sec) + .nanoseconds(now.tv_nsec)
    }

    /// The file of `db`'s main database when `db` is SQLite (Fluent's "in-memory" SQLite is a
    /// temporary file too); nil for PostgreSQL or a database without a file.
    public static func file(of db: any Database) async throws -> String? {
        guard let sqlite = db as? any SQLiteDatabase else { return nil }
        let rows = try await sqlite.query("PRAGMA database_list")
        let main = rows.first { $0.column("name")?.string == "main" }
        guard let path = main?.column("file")?.string, !path.isEmpty else { return nil }
        return path
    }

    deinit { close() }

    public func close() {
        lock.withLock { closeLocked() }
    }

    /// True until `close()`, or until a failure left the connection unusable.
    public var isOpen: Bool { lock.withLock { db != nil } }

    private func closeLocked() {
        for statement in [insert] + lookups { if let statement { sqlite_nio_sqlite3_finalize(statement) } }
        insert = nil
        lookups = []
        if let db { sqlite_nio_sqlite3_close_v2(db) }
        db = nil
    }

    /// Writes the rows in one transaction and returns how many were written: rows of a campaign
    /// removed meanwhile are dropped, and a removed team or tester is cleared from its rows
    /// (`GatewayRecordRow.keepingLinks`). On failure nothing is written.
    @discardableResult
    public func write(_ rows: [GatewayRecordRow]) throws -> Int {
        try lock.withLock {
            let started = Self.threadCPU()
            defer { cpuSpent += Self.threadCPU() - started }
            guard db != nil, let insert else { throw Failure(code: 21, message: "the record writer is closed") }
            try exec("BEGIN IMMEDIATE")
            do {
                let campaigns = try existing(Set(rows.compactMap(\.campaignID)), lookup: 0)
                let teams = try existing(Set(rows.compactMap(\.teamID)), lookup: 1)
                let users = try existing(Set(rows.compactMap(\.userID)), lookup: 2)
                let kept = GatewayRecordRow.keepingLinks(rows, campaigns: campaigns, teams: teams, users: users)
                var ids: [UUID: [UInt8]] = [:]
                for row in kept { try insertRow(row, into: insert, ids: &ids) }
                try exec("COMMIT")
                return kept.count
            } catch {
                sqlite_nio_sqlite3_reset(insert)
                try? exec("ROLLBACK")
                // Still inside the transaction (the rollback failed): this connection would hold
                // the write lock and fail every later BEGIN. It is closed; the gateway opens anew.
                if let db, sqlite_nio_sqlite3_get_autocommit(db) == 0 { closeLocked() }
                throw error
            }
        }
    }

    /// The value of a pragma that answers one integer.
    private func pragmaInteger(_ name: String) throws -> Int {
        let statement = try prepare("PRAGMA \(name)")
        defer { sqlite_nio_sqlite3_finalize(statement) }
        let stepped = sqlite_nio_sqlite3_step(statement)
        guard stepped == Self.row else { throw failure(stepped) }
        return Int(sqlite_nio_sqlite3_column_int64(statement, 0))
    }

    private func existing(_ ids: Set<UUID>, lookup: Int) throws -> Set<UUID> {
        guard let statement = lookups[lookup] else { return [] }
        var found: Set<UUID> = []
        for id in ids {
            let text = id.uuidString
            try check(sqlite_nio_sqlite3_bind_text64(statement, 1, text, UInt64(text.utf8.count), transient, UInt8(PATROL_SQLITE_UTF8)))
            let stepped = sqlite_nio_sqlite3_step(statement)
            sqlite_nio_sqlite3_reset(statement)
            switch stepped {
            case Self.row: found.insert(id)
            case Self.done: break
            default: throw failure(stepped)
            }
        }
        return found
    }

    private func insertRow(_ row: GatewayRecordRow, into statement: OpaquePointer, ids: inout [UUID: [UInt8]]) throws {
        let row = row.withoutNUL()
        arena.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        func bytes<C: Collection<UInt8>>(_ c: C) -> Value {
            let start = arena.count
            arena.append(contentsOf: c)
            return .text(start, arena.count - start)
        }
        func text(_ s: String?) { values.append(s.map { bytes($0.utf8) } ?? .null) }
        func uuid(_ u: UUID?) {
            guard let u else { return values.append(.null) }
            if let spelled = ids[u] { return values.append(bytes(spelled)) }
            let spelled = Array(u.uuidString.utf8)
            ids[u] = spelled
            values.append(bytes(spelled))
        }
        func integer(_ i: Int?) { values.append(i.map { .integer(Int64($0)) } ?? .null) }
        func blob(_ d: Data?) {
            guard let d else { return values.append(.null) }
            let start = arena.count
            arena.append(contentsOf: d)
            values.append(.blob(start, d.count))
        }
        func json(_ headers: [GatewayRecordRow.Header]?) {
            guard let headers else { return values.append(.null) }
            let start = arena.count
            GatewayRecordRow.appendJSON(headers, to: &arena)
            values.append(.text(start, arena.count - start))
        }
        // In `GatewayRecordRow.columns` order.
        uuid(row.campaignID); uuid(row.teamID); uuid(row.userID)
        text(row.username); text(row.client); text(row.kind); text(row.method)
        text(row.url); text(row.host); integer(row.port); text(row.address)
        integer(row.status); values.append(.integer(row.bytesUp)); values.append(.integer(row.bytesDown))
        values.append(.real(row.startedAt.timeIntervalSince1970)); integer(row.durationMs); text(row.decision)
        text(row.reason); text(row.alerts.isEmpty ? nil : row.alerts.joined(separator: ","))
        json(row.requestHeaders); json(row.responseHeaders)
        blob(row.requestBody); integer(row.requestBodySize); integer(row.requestBodyTruncated ? 1 : 0)
        blob(row.responseBody); integer(row.responseBodySize); integer(row.responseBodyTruncated ? 1 : 0)
        text(row.tls); integer(row.replayOf)
        assert(values.count == columns.count)

        try arena.withUnsafeBytes { raw in
            // A zero-length text or blob still needs a pointer: SQLite binds NULL for a null one.
            let base = raw.baseAddress ?? UnsafeRawPointer(Self.empty)
            for (i, value) in values.enumerated() {
                let index = Int32(i + 1)
                // The arena stays put until the step below: SQLite may use the bytes without copying.
                switch value {
                case .null: try check(sqlite_nio_sqlite3_bind_null(statement, index))
                case .integer(let v): try check(sqlite_nio_sqlite3_bind_int64(statement, index, v))
                case .real(let v): try check(sqlite_nio_sqlite3_bind_double(statement, index, v))
                case .text(let start, let count):
                    let p = count == 0 ? UnsafeRawPointer(Self.empty) : base + start
                    try check(sqlite_nio_sqlite3_bind_text64(statement, index, p.assumingMemoryBound(to: CChar.self), UInt64(count),
                                                             nil, UInt8(PATROL_SQLITE_UTF8)))
                case .blob(let start, let count):
                    let p = count == 0 ? UnsafeRawPointer(Self.empty) : base + start
                    try check(sqlite_nio_sqlite3_bind_blob64(statement, index, p, UInt64(count), nil))
                }
            }
            let stepped = sqlite_nio_sqlite3_step(statement)
            sqlite_nio_sqlite3_reset(statement)
            if stepped != Self.done { throw failure(stepped) }
        }
    }

    /// One byte that outlives every bind, for zero-length values. Never written after creation.
    nonisolated(unsafe) private static let empty: UnsafeMutableRawPointer = {
        let p = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
        p.storeBytes(of: 0, as: UInt8.self)
        return p
    }()

    /// SQLITE_TRANSIENT: SQLite copies the value before the call returns.
    private let transient = unsafeBitCast(-1, to: (@convention(c) (UnsafeMutableRawPointer?) -> Void).self)

    private func prepare(_ sql: String) throws -> OpaquePointer {
        var statement: OpaquePointer?
        try check(sqlite_nio_sqlite3_prepare_v3(db, sql, -1, UInt32(PATROL_SQLITE_PREPARE_PERSISTENT), &statement, nil))
        guard let statement else { throw Failure(code: 1, message: "empty statement: \(sql)") }
        return statement
    }

    private func exec(_ sql: String) throws {
        try check(sqlite_nio_sqlite3_exec(db, sql, nil, nil, nil))
    }

    private func check(_ code: Int32) throws {
        if code != Self.ok { throw failure(code) }
    }

    private func failure(_ code: Int32) -> Failure {
        Failure(code: code, message: db.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "no connection")
    }

    private static let ok = Int32(PATROL_SQLITE_OK), row = Int32(PATROL_SQLITE_ROW), done = Int32(PATROL_SQLITE_DONE)
}
