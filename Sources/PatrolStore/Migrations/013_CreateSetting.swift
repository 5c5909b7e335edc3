import FluentKit

/// Settings an admin changes in the UI (SMS provider and templates), as key/value rows; they
/// override the environment's values of the same name.
struct CreateSetting: AsyncMigration {
    var name: String { "013_CreateSetting" }

    func prepare(on database: any Database) async throws {
        try await database.schema("settings")
            .id()
            .field("key", .string, .required)
            .field("value", .string, .required)
            .field("updated_at", .datetime)
            .unique(on: "key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("settings").delete()
    }
}
