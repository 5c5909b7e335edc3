import FluentKit

struct CreateRemediation: AsyncMigration {
    var name: String { "008_CreateRemediation" }

    func prepare(on database: any Database) async throws {
        try await database.schema("remediation_reports")
            .id()
            .field("finding_id", .uuid, .required, .references("findings", "id", onDelete: .cascade))
            .field("submitted_by_id", .uuid, .references("users", "id", onDelete: .setNull))
            .field("submitted_at", .datetime, .required)
            .field("description", .string)
            .field("shells_deleted", .string, .required)
            .create()
        try await database.schema("retests")
            .id()
            .field("report_id", .uuid, .required, .references("remediation_reports", "id", onDelete: .cascade))
            .field("result", .string, .required)
            .field("reason", .string)
            .field("decided_at", .datetime, .required)
            .field("decided_by_id", .uuid, .references("users", "id", onDelete: .setNull))
            .field("shell_checks", .string)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("retests").delete()
        try await database.schema("remediation_reports").delete()
    }
}
