import FluentKit
import Foundation
import SQLKit

/// A counter the database moves on every change to what a score sheet is computed from (findings,
/// remediation reports, retests, assets, the units and their membership of campaigns), so score
/// cards and the ranking can reuse a sheet until the data under it changes (issue 20, item 3)
/// instead of scoring the whole campaign per page view. As with 015, triggers keep it, so a change
/// by any path (the lifecycle, an import, a removal, plain SQL) is seen, and a random generation
/// tells this database's counter from another's.
///
/// On PostgreSQL the triggers run BEFORE each statement: the counter's row lock is then taken before
/// the statement locks any finding, so two transactions on the same finding queue on the counter
/// and cannot deadlock on each other's rows. Writers of scoring data therefore commit one at a time;
/// they are human-paced (a review, a report) or one import, so the queue is short.
struct AddScoreDataVersion: AsyncMigration {
    var name: String { "023_AddScoreDataVersion" }

    static let table = "score_data_version"

    /// Table and the events on it that can change a score.
    static let watched: [(table: String, sqliteEvents: [String], postgresEvents: String)] = [
        ("findings", ["INSERT", "UPDATE", "DELETE"], "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
        ("remediation_reports", ["INSERT", "UPDATE", "DELETE"], "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
        ("retests", ["INSERT", "UPDATE", "DELETE"], "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
        ("assets", ["INSERT", "UPDATE", "DELETE"], "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
        ("campaign_units", ["INSERT", "UPDATE", "DELETE"], "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
        ("units", ["UPDATE", "DELETE"], "UPDATE OR DELETE"),
    ]

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        // Each statement may be run again: a migration that failed half-way is retried whole.
        try await CounterTable.create(Self.table, on: sql)
        let bump = CounterTable.bump(Self.table)
        if sql.dialect.name == "sqlite" {
            for w in Self.watched {
                for event in w.sqliteEvents {
                    try await sql.raw("""
                        CREATE TRIGGER IF NOT EXISTS \(unsafeRaw: Self.sqliteTrigger(w.table, event)) AFTER \(unsafeRaw: event) ON \(ident: w.table)
                        BEGIN \(unsafeRaw: bump); END
                        """).run()
                }
            }
        } else {
            try await sql.raw("""
                CREATE OR REPLACE FUNCTION score_data_bump() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN \(unsafeRaw: bump); RETURN NULL; END $$
                """).run()
            for w in Self.watched {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: Self.postgresTrigger(w.table)) ON \(ident: w.table)").run()
                try await sql.raw("""
                    CREATE TRIGGER \(unsafeRaw: Self.postgresTrigger(w.table)) BEFORE \(unsafeRaw: w.postgresEvents) ON \(ident: w.table)
                    FOR EACH STATEMENT EXECUTE FUNCTION score_data_bump()
                    """).run()
            }
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        for w in Self.watched {
            if sql.dialect.name == "sqlite" {
                for event in w.sqliteEvents {
                    try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: Self.sqliteTrigger(w.table, event))").run()
                }
            } else {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: Self.postgresTrigger(w.table)) ON \(ident: w.table)").run()
            }
        }
        if sql.dialect.name != "sqlite" { try await sql.raw("DROP FUNCTION IF EXISTS score_data_bump()").run() }
        try await sql.raw("DROP TABLE IF EXISTS \(ident: Self.table)").run()
    }

    static func sqliteTrigger(_ table: String, _ event: String) -> String { "score_data_\(table)_\(event.lowercased())" }
    static func postgresTrigger(_ table: String) -> String { "score_data_\(table)" }

    /// The counter now (the table is there once the database is migrated; every command migrates first).
    static func current(on sql: any SQLDatabase) async throws -> CounterStamp? {
        try await CounterTable.current(table, on: sql)
    }
}
