import FluentKit
import SQLKit

/// The organiser's review of declared assets (issue 19): `pending` until a reviewer or admin
/// approves or rejects it. Assets that exist already were put in scope by an import or by the
/// organiser, so they start approved; the index serves the review queue and the scope query.
struct AddAssetReview: AsyncMigration {
    var name: String { "017_AddAssetReview" }

    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        try await database.schema("assets").field("review", .string, .required, .sql(.default("approved"))).update()
        try await database.schema("assets").field("review_reason", .string).update()
        try await database.schema("assets").field("reviewed_by", .string).update()
        try await database.schema("assets").field("reviewed_at", .datetime).update()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("CREATE INDEX IF NOT EXISTS assets_campaign_review ON assets (campaign_id, review)").run()
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase { try await sql.raw("DROP INDEX IF EXISTS assets_campaign_review").run() }
        for field in ["review", "review_reason", "reviewed_by", "reviewed_at"] {
            try await database.schema("assets").deleteField(.key(.init(stringLiteral: field))).update()
        }
    }
}
