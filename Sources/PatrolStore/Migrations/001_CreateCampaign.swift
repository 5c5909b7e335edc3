import FluentKit

struct CreateCampaign: AsyncMigration {
    var name: String { "001_CreateCampaign" }

    func prepare(on database: any Database) async throws {
        try await database.schema("campaigns")
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("time_zone", .string, .required)
            .field("starts_at", .datetime, .required)
            .field("ends_at", .datetime, .required)
            .field("scored_at", .datetime)
            .field("state", .string, .required)
            .field("scoring_policy", .string, .required)
            .field("is_demo", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "code")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("campaigns").delete()
    }
}
