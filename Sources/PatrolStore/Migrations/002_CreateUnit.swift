import FluentKit

struct CreateUnit: AsyncMigration {
    var name: String { "002_CreateUnit" }

    func prepare(on database: any Database) async throws {
        try await database.schema("units")
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("category", .string, .required)
            .field("group", .string, .required)
            .field("parent_id", .uuid, .references("units", "id"))
            .field("note", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "code")
            .create()
        try await database.schema("liaisons")
            .id()
            .field("unit_id", .uuid, .required, .references("units", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("phone", .string, .required)
            .field("position", .int, .required)
            .create()
        try await database.schema("campaign_units")
            .id()
            .field("campaign_id", .uuid, .required, .references("campaigns", "id", onDelete: .cascade))
            .field("unit_id", .uuid, .required, .references("units", "id"))
            .unique(on: "campaign_id", "unit_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("campaign_units").delete()
        try await database.schema("liaisons").delete()
        try await database.schema("units").delete()
    }
}
