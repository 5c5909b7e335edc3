import FluentKit

struct CreateUser: AsyncMigration {
    var name: String { "004_CreateUser" }

    func prepare(on database: any Database) async throws {
        try await database.schema("users")
            .id()
            .field("username", .string, .required)
            .field("display_name", .string, .required)
            .field("password_hash", .string, .required)
            .field("role", .string, .required)
            .field("unit_id", .uuid, .references("units", "id"))
            .field("team_id", .uuid, .references("teams", "id"))
            .field("phone", .string)
            .field("must_change_password", .bool, .required)
            .field("disabled", .bool, .required)
            .field("failed_logins", .int, .required)
            .field("locked_until", .datetime)
            .field("last_login_at", .datetime)
            .field("password_changed_at", .datetime)
            .field("gateway_token_hash", .string)
            .field("created_at", .datetime)
            .unique(on: "username")
            .create()
        try await database.schema("user_sessions")
            .id()
            .field("token_hash", .string, .required)
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("client_address", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("user_sessions").delete()
        try await database.schema("users").delete()
    }
}
