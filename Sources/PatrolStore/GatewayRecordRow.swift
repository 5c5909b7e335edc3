import FluentKit
import Foundation
import SQLKit

/// A gateway record as the gateway builds it on its event loops: a plain value, written later in a
/// batch by `GatewayRecordRow.insert(_:on:)` (one statement per chunk, never a transaction per request).
public struct GatewayRecordRow: Sendable {
    public var campaignID: UUID?
    public var teamID: UUID?
    public var userID: UUID?
    public var username: String?
    public var client: String
    public var kind: String
    public var method: String?
    public var url: String
    public var host: String
    public var port: Int
    public var address: String?
    public var status: Int?
    public var bytesUp: Int64 = 0
    public var bytesDown: Int64 = 0
    public var startedAt: Date
    public var durationMs: Int = 0
    public var decision: String
    public var reason: String?
    public var alerts: [String] = []
    public var requestHeaders: [Header]?
    public var responseHeaders: [Header]?
    public var requestBody: Data?
    public var requestBodySize = 0
    public var requestBodyTruncated = false
    public var responseBody: Data?
    public var responseBodySize = 0
    public var responseBodyTruncated = false
    public var tls: String?
    public var replayOf: Int?
    /// Set by the gateway's writer once the bodies hold their stored (compressed) form, so a batch
    /// that goes back to the queue after a failed write is not compressed twice. Not a column.
    public var bodiesCompressed = false

    public struct Header: Sendable, Equatable {
        public var name, value: String
        public init(_ name: String, _ value: String) { self.name = name; self.value = value }
    }

    public init(client: String, kind: String, url: String, host: String, port: Int, startedAt: Date, decision: String) {
        self.client = client
        self.kind = kind
        self.url = url
        self.host = host
        self.port = port
        self.startedAt = startedAt
        self.decision = decision
    }

    static let columns = ["campaign_id", "team_id", "user_id", "username", "client", "kind", "method", "url", "host", "port",
                          "address", "status", "bytes_up", "bytes_down", "started_at", "duration_ms", "decision", "reason",
                          "alerts", "request_headers", "response_headers", "request_body", "request_body_size",
                          "request_body_truncated", "response_body", "response_body_size", "response_body_truncated",
                          "tls", "replay_of"]

    /// Rows per INSERT statement: 29 columns × 1000 stays below PostgreSQL's bind limit (65535).
    static let chunk = 1000

    /// Writes the rows in one transaction, a multi-row INSERT per chunk. This is the way for
    /// PostgreSQL and single rows; the gateway writes its SQLite batches with `SQLiteRecordWriter`.
    ///
    /// Rows wait in the gateway's queue for a moment, and a campaign, team or tester may be removed
    /// in that moment: their rows would then violate a foreign key, fail the whole batch, and fail
    /// it again on every retry while the queue filled behind it. So the links are checked first, as
    /// the removal itself would have treated the rows: rows of a removed campaign are dropped (its
    /// records were deleted with it), a removed team or tester is cleared from the row.
    public static func insert(_ rows: [GatewayRecordRow], on db: any Database) async throws {
        guard !rows.isEmpty else { return }
        try await db.transaction { tx in
            let rows = try await withLinksThatExist(rows, on: tx)
            guard !rows.isEmpty else { return }
            guard let sql = tx as? any SQLDatabase else { fatalError("Patrol's databases are SQL databases") }
            var start = 0
            while start < rows.count {
                let slice = rows[start..<min(rows.count, start + chunk)]
                var insert = sql.insert(into: GatewayRecord.schema).columns(columns)
                for row in slice { insert = insert.values(row.values) }
                try await insert.run()
                start += chunk
            }
        }
    }

    static func withLinksThatExist(_ rows: [GatewayRecordRow], on db: any Database) async throws -> [GatewayRecordRow] {
        func existing<M: Model>(_ model: M.Type, _ ids: Set<UUID>) async throws -> Set<UUID> where M.IDValue == UUID {
            guard !ids.isEmpty else { return [] }
            return Set(try await M.query(on: db).filter(\._$id ~~ ids).all(\._$id))
        }
        return keepingLinks(rows, campaigns: try await existing(Campaign.self, Set(rows.compactMap(\.campaignID))),
                            teams: try await existing(Team.self, Set(rows.compactMap(\.teamID))),
                            users: try await existing(User.self, Set(rows.compactMap(\.userID))))
    }

    /// The rows as the removal of a campaign, team or tester would have left them, given the ids that
    /// still exist: rows of a removed campaign go (its records were deleted with it), a removed team
    /// or tester is cleared from the row.
    public static func keepingLinks(_ rows: [GatewayRecordRow], campaigns: Set<UUID>, teams: Set<UUID>,
                                    users: Set<UUID>) -> [GatewayRecordRow] {
        let intact = rows.allSatisfy { row in
            row.campaignID.map(campaigns.contains) ?? true && row.teamID.map(teams.contains) ?? true
                && row.userID.map(users.contains) ?? true
        }
        if intact { return rows }
        return rows.compactMap { row in
            if let id = row.campaignID, !campaigns.contains(id) { return nil }
            var kept = row
            if let id = row.teamID, !teams.contains(id) { kept.teamID = nil }
            if let id = row.userID, !users.contains(id) { kept.userID = nil }
            return kept
        }
    }

    /// Writes one row and returns its id (replays, which the reviewer then opens).
    public static func insertReturningID(_ row: GatewayRecordRow, on db: any Database) async throws -> Int {
        guard let sql = db as? any SQLDatabase else { fatalError("Patrol's databases are SQL databases") }
        let result = try await sql.insert(into: GatewayRecord.schema).columns(columns).values(row.values)
            .returning("id").first()
        guard let result else { throw GatewayRecordMissing() }
        return try result.decode(column: "id", as: Int.self)
    }

    struct GatewayRecordMissing: Error {}

    var values: [any Encodable & Sendable] {
        let row = withoutNUL()
        return [row.campaignID, row.teamID, row.userID, row.username, row.client, row.kind, row.method, row.url, row.host,
                row.port, row.address, row.status, row.bytesUp, row.bytesDown, row.startedAt, row.durationMs, row.decision,
                row.reason, row.alerts.isEmpty ? nil : row.alerts.joined(separator: ","), Self.json(row.requestHeaders),
                Self.json(row.responseHeaders), row.requestBody, row.requestBodySize, row.requestBodyTruncated,
                row.responseBody, row.responseBodySize, row.responseBodyTruncated, row.tls, row.replayOf]
    }

    /// The row with U+FFFD for every NUL in its text. NUL reaches a record from bytes anyone can
    /// send (a Basic credential or SOCKS5 user name decoded as UTF-8, a SOCKS5 host name) or from
    /// an upstream certificate's subject. PostgreSQL refuses NUL in text, which failed the whole
    /// batch on every retry until the full queue stopped the gateway; SQLite stores it, but its
    /// reader ends the text there. Both writers store this form. Headers need nothing: their JSON
    /// spells NUL as `\u0000`.
    public func withoutNUL() -> GatewayRecordRow {
        func hasNUL(_ s: String?) -> Bool {
            guard var s else { return false }
            // memchr over the string's own bytes: `utf8.contains(0)` was a few per cent of the writer.
            return s.withUTF8 { bytes in bytes.baseAddress.map { memchr($0, 0, bytes.count) != nil } ?? false }
        }
        guard hasNUL(username) || hasNUL(client) || hasNUL(kind) || hasNUL(method) || hasNUL(url) || hasNUL(host)
                || hasNUL(address) || hasNUL(decision) || hasNUL(reason) || hasNUL(tls) || alerts.contains(where: hasNUL)
        else { return self }
        func clean(_ s: String) -> String {
            s.utf8.contains(0) ? s.split(separator: "\u{0}", omittingEmptySubsequences: false).joined(separator: "\u{FFFD}") : s
        }
        var row = self
        row.username = username.map(clean); row.client = clean(client); row.kind = clean(kind); row.method = method.map(clean)
        row.url = clean(url); row.host = clean(host); row.address = address.map(clean); row.decision = clean(decision)
        row.reason = reason.map(clean); row.tls = tls.map(clean); row.alerts = alerts.map(clean)
        return row
    }

    /// Headers as the JSON array of `[name, value]` pairs the record stores. Written by hand into
    /// bytes: JSONEncoder took ~9 % of the gateway's CPU at benchmark load, and String appends still
    /// ~4 %, for two short arrays per request.
    public static func json(_ headers: [Header]?) -> String? {
        guard let headers else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(headers.reduce(2) { $0 + $1.name.utf8.count + $1.value.utf8.count + 8 })
        appendJSON(headers, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the headers' JSON (see `json(_:)`) to `out`.
    static func appendJSON(_ headers: [Header], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, h) in headers.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            appendJSONString(h.name, to: &out)
            out.append(UInt8(ascii: ","))
            appendJSONString(h.value, to: &out)
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "]"))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func appendJSONString(_ s: String, to out: inout [UInt8]) {
        var s = s
        // Native strings hand out their UTF-8 in place; the scan below runs over raw bytes because
        // the generic `utf8.contains(where:)` it replaces was ~10 % of the writer's time per row.
        s.withUTF8 { appendJSONString(bytes: $0, to: &out) }
    }

    static func appendJSONString(bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Runs that need no escaping (almost every header is one run) go in whole.
        var start = 0
        for i in bytes.indices {
            let byte = bytes[i]
            guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
            start = i + 1
            switch byte {
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case ..<0x20:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
            default:
                // `"` and `\`. Multi-byte UTF-8 never gets here: JSON text is UTF-8 and passes as is.
                out.append(UInt8(ascii: "\\")); out.append(byte)
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        out.append(UInt8(ascii: "\""))
    }
}
