import FluentKit
import Foundation
import SQLKit

/// A counter the database itself moves on every change to what a gateway scope is made of (assets,
/// and unit codes, which scope assets carry). Each gateway node reads the directory twice a second;
/// with the counter unchanged it keeps the assets it read before instead of decoding them all again
/// (at 10,000 assets that was ~80 ms of CPU per read). Triggers, not application code, keep it, so a
/// change made by any path (the UI, a bundle import, a removal, plain SQL) is seen. A random
/// generation, set when the table is made, tells a counter of another database (a restore, a
/// re-created schema) from this one's. PostgreSQL 11 or later (`EXECUTE FUNCTION`).
struct AddScopeVersion: AsyncMigration {
    var name: String { "015_AddScopeVersion" }

    static let table = "gateway_scope_version"

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        // Each statement may be run again: a migration that failed half-way is retried whole.
        try await CounterTable.create(Self.table, on: sql)
        let bump = CounterTable.bump(Self.table)
        if sql.dialect.name == "sqlite" {
            for (name, event) in Self.sqliteTriggers {
                try await sql.raw("""
                    CREATE TRIGGER IF NOT EXISTS \(unsafeRaw: "gateway_scope_" + name) AFTER \(unsafeRaw: event) BEGIN \(unsafeRaw: bump); END
                    """).run()
            }
        } else {
            try await sql.raw("""
                CREATE OR REPLACE FUNCTION gateway_scope_bump() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN \(unsafeRaw: bump); RETURN NULL; END $$
                """).run()
            try await sql.raw("DROP TRIGGER IF EXISTS gateway_scope_assets ON assets").run()
            try await sql.raw("""
                CREATE TRIGGER gateway_scope_assets AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON assets
                FOR EACH STATEMENT EXECUTE FUNCTION gateway_scope_bump()
                """).run()
            try await sql.raw("DROP TRIGGER IF EXISTS gateway_scope_units ON units").run()
            try await sql.raw("""
                CREATE TRIGGER gateway_scope_units AFTER UPDATE OF code ON units
                FOR EACH STATEMENT EXECUTE FUNCTION gateway_scope_bump()
                """).run()
        }
    }

    static let sqliteTriggers = [("assets_insert", "INSERT ON assets"), ("assets_update", "UPDATE ON assets"),
                                 ("assets_delete", "DELETE ON assets"), ("units_code", "UPDATE OF code ON units")]

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name == "sqlite" {
            for (name, _) in Self.sqliteTriggers {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: "gateway_scope_" + name)").run()
            }
        } else {
            try await sql.raw("DROP TRIGGER IF EXISTS gateway_scope_assets ON assets").run()
            try await sql.raw("DROP TRIGGER IF EXISTS gateway_scope_units ON units").run()
            try await sql.raw("DROP FUNCTION IF EXISTS gateway_scope_bump()").run()
        }
        try await sql.raw("DROP TABLE IF EXISTS \(ident: Self.table)").run()
    }

    /// The counter now (the table is there once the database is migrated; every command migrates first).
    static func current(on sql: any SQLDatabase) async throws -> CounterStamp? {
        try await CounterTable.current(table, on: sql)
    }
}
