import FluentKit

struct CreateAsset: AsyncMigration {
    var name: String { "005_CreateAsset" }

    func prepare(on database: any Database) async throws {
        try await database.schema("assets")
            .id()
            .field("campaign_id", .uuid, .required, .references("campaigns", "id", onDelete: .cascade))
            .field("unit_id", .uuid, .required, .references("units", "id"))
            .field("code", .string, .required)
            .field("kind", .string, .required)
            .field("target", .string, .required)
            .field("ports", .string)
            .field("origin", .string, .required)
            .field("note", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "campaign_id", "code")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("assets").delete()
    }
}
