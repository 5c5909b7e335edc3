import FluentKit
import SQLKit

/// Indexes for the joins and filters a province-scale campaign runs on (issue 20). Neither SQLite
/// nor PostgreSQL indexes a foreign key by itself, so every lookup of a finding's reports, a
/// report's retests, a unit's liaisons or a notice's findings scanned the whole child table: the
/// export of 200,000 findings read the reports table once per page. Each index below serves a
/// query the pages, the API or the import and export make; the list's filters (status, unit, team)
/// lead with the campaign, as every query does.
struct AddForeignKeyIndexes: AsyncMigration {
    var name: String { "021_AddForeignKeyIndexes" }

    static let indexes: [(name: String, table: String, columns: String)] = [
        ("findings_campaign_submitted", "findings", "campaign_id, submitted_at, id"),
        ("findings_campaign_status", "findings", "campaign_id, status"),
        ("findings_campaign_unit", "findings", "campaign_id, unit_id, status"),
        ("findings_campaign_team", "findings", "campaign_id, team_id, status"),
        ("findings_notice", "findings", "notice_id"),
        ("findings_duplicate_of", "findings", "duplicate_of_id"),
        ("findings_asset", "findings", "asset_id"),
        ("remediation_reports_finding", "remediation_reports", "finding_id, submitted_at"),
        ("retests_report", "retests", "report_id"),
        ("evidence_files_finding", "evidence_files", "finding_id"),
        ("evidence_files_report", "evidence_files", "report_id"),
        ("assets_campaign_unit", "assets", "campaign_id, unit_id"),
        ("liaisons_unit", "liaisons", "unit_id, position"),
        ("campaign_units_unit", "campaign_units", "unit_id"),
        ("notices_campaign_issued", "notices", "campaign_id, issued_at"),
        ("sms_messages_campaign_created", "sms_messages", "campaign_id, created_at"),
        ("audit_events_at", "audit_events", "at"),
    ]

    func prepare(on database: any Database) async throws { try await Self.create(Self.indexes, on: database) }

    func revert(on database: any Database) async throws { try await Self.drop(Self.indexes, on: database) }

    /// Creates each index unless it exists (the names are the migrations' own, never user input).
    static func create(_ indexes: [(name: String, table: String, columns: String)], on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        for index in indexes {
            try await sql.raw(SQLQueryString("CREATE INDEX IF NOT EXISTS \(unsafeRaw: index.name) ON \(unsafeRaw: index.table) (\(unsafeRaw: index.columns))")).run()
        }
    }

    static func drop(_ indexes: [(name: String, table: String, columns: String)], on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        for index in indexes { try await sql.raw(SQLQueryString("DROP INDEX IF EXISTS \(unsafeRaw: index.name)")).run() }
    }
}
