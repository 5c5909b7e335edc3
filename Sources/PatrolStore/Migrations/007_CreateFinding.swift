import FluentKit

struct CreateFinding: AsyncMigration {
    var name: String { "007_CreateFinding" }

    func prepare(on database: any Database) async throws {
        try await database.schema("findings")
            .id()
            .field("campaign_id", .uuid, .required, .references("campaigns", "id", onDelete: .cascade))
            .field("code", .string, .required)
            .field("unit_id", .uuid, .required, .references("units", "id"))
            .field("asset_id", .uuid, .references("assets", "id", onDelete: .setNull))
            .field("team_id", .uuid, .required, .references("teams", "id"))
            .field("submitted_by_id", .uuid, .references("users", "id", onDelete: .setNull))
            .field("kind", .string, .required)
            .field("severity", .string)
            .field("type", .string)
            .field("title", .string, .required)
            .field("description", .string)
            .field("reproduction", .string)
            .field("url", .string)
            .field("shell_paths", .string, .required)
            .field("weak_password", .bool, .required)
            .field("sensitive_records", .int, .required)
            .field("status", .string, .required)
            .field("duplicate_of_id", .uuid, .references("findings", "id", onDelete: .setNull))
            .field("review_note", .string)
            .field("notice_id", .uuid, .references("notices", "id", onDelete: .setNull))
            .field("submitted_at", .datetime, .required)
            .field("verified_at", .datetime)
            .field("notified_at", .datetime)
            .field("closed_at", .datetime)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "campaign_id", "code")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("findings").delete()
    }
}
