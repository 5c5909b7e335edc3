import FluentKit

/// A testing team's contact person and phone (issue 19): whom the organiser calls about the team.
/// One field per change, as SQLite adds one column per statement.
struct AddTeamContact: AsyncMigration {
    var name: String { "019_AddTeamContact" }

    func prepare(on database: any Database) async throws {
        try await database.schema("teams").field("contact_name", .string).update()
        try await database.schema("teams").field("contact_phone", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("teams").deleteField("contact_phone").update()
        try await database.schema("teams").deleteField("contact_name").update()
    }
}
