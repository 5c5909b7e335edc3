import FluentKit

struct CreateEvidenceFile: AsyncMigration {
    var name: String { "009_CreateEvidenceFile" }

    func prepare(on database: any Database) async throws {
        try await database.schema("evidence_files")
            .id()
            .field("finding_id", .uuid, .references("findings", "id", onDelete: .cascade))
            .field("report_id", .uuid, .references("remediation_reports", "id", onDelete: .cascade))
            .field("sha256", .string, .required)
            .field("size", .int, .required)
            .field("content_type", .string, .required)
            .field("original_name", .string, .required)
            .field("uploaded_by_id", .uuid, .references("users", "id", onDelete: .setNull))
            .field("created_at", .datetime)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("evidence_files").delete()
    }
}
