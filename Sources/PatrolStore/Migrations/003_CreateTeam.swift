import FluentKit

struct CreateTeam: AsyncMigration {
    var name: String { "003_CreateTeam" }

    func prepare(on database: any Database) async throws {
        try await database.schema("teams")
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("company", .string)
            .field("created_at", .datetime)
            .unique(on: "code")
            .create()
        try await database.schema("campaign_teams")
            .id()
            .field("campaign_id", .uuid, .required, .references("campaigns", "id", onDelete: .cascade))
            .field("team_id", .uuid, .required, .references("teams", "id"))
            .field("state", .string, .required)
            .field("interception", .bool, .required)
            .unique(on: "campaign_id", "team_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("campaign_teams").delete()
        try await database.schema("teams").delete()
    }
}
