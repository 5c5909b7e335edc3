import Foundation
import SQLKit

/// A one-row counter table that database triggers move on every change to some tables (015 for
/// gateway scopes, 023 for score data), with a random generation that tells this database's
/// counter from another's (a restore, a re-created schema). Readers keep what they computed while
/// the stamp stays the same.
public struct CounterStamp: Hashable, Sendable {
    public var generation: String
    public var version: Int64
    public init(generation: String, version: Int64) {
        self.generation = generation
        self.version = version
    }
}

enum CounterTable {
    /// The table with its one row; each statement may run again (a migration retried whole).
    static func create(_ table: String, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            CREATE TABLE IF NOT EXISTS \(ident: table) (id INTEGER PRIMARY KEY, generation TEXT NOT NULL, version BIGINT NOT NULL)
            """).run()
        try await sql.raw("""
            INSERT INTO \(ident: table) (id, generation, version) VALUES (1, \(bind: UUID().uuidString), 0)
            ON CONFLICT (id) DO NOTHING
            """).run()
    }

    /// The statement a trigger runs to move the counter.
    static func bump(_ table: String) -> String { "UPDATE \(table) SET version = version + 1 WHERE id = 1" }

    /// The counter now (nil before the migration made the table).
    static func current(_ table: String, on sql: any SQLDatabase) async throws -> CounterStamp? {
        guard let row = try await sql.raw("SELECT generation, version FROM \(ident: table) WHERE id = 1").first() else { return nil }
        return CounterStamp(generation: try row.decode(column: "generation", as: String.self),
                            version: try row.decode(column: "version", as: Int64.self))
    }
}
