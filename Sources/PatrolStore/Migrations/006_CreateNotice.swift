import FluentKit

struct CreateNotice: AsyncMigration {
    var name: String { "006_CreateNotice" }

    func prepare(on database: any Database) async throws {
        try await database.schema("notices")
            .id()
            .field("campaign_id", .uuid, .required, .references("campaigns", "id", onDelete: .cascade))
            .field("unit_id", .uuid, .required, .references("units", "id"))
            .field("code", .string, .required)
            .field("seq", .int, .required)
            .field("issued_at", .datetime, .required)
            .field("issued_by_id", .uuid, .references("users", "id", onDelete: .setNull))
            .unique(on: "campaign_id", "code")
            .unique(on: "campaign_id", "unit_id", "seq")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("notices").delete()
    }
}
