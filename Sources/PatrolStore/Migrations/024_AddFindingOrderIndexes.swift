import FluentKit
import SQLKit

/// Indexes that let each order of the findings list read one page without sorting the campaign
/// (issue 20, item 3): worst severity first over the severity rank expression, and the code order
/// for ties. With 200,000 findings the severity order sorted every row per page (130 ms on SQLite).
struct AddFindingOrderIndexes: AsyncMigration {
    var name: String { "024_AddFindingOrderIndexes" }

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("""
            CREATE INDEX IF NOT EXISTS findings_campaign_severity_rank
            ON findings (campaign_id, (\(unsafeRaw: Finding.severityRankSQL)), submitted_at, id)
            """).run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("DROP INDEX IF EXISTS findings_campaign_severity_rank").run()
    }
}
