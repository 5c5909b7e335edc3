import FluentKit

/// Publishing scores freezes them: the sheet as published (JSON, `ScoreSheetDocument`) and when.
/// Later changes to findings do not move a published ranking until the admin withdraws it.
struct AddScorePublication: AsyncMigration {
    var name: String { "012_AddScorePublication" }

    func prepare(on database: any Database) async throws {
        // One column per ALTER: SQLite adds a single column per statement.
        try await database.schema("campaigns").field("published_at", .datetime).update()
        try await database.schema("campaigns").field("published_scores", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("campaigns").deleteField("published_scores").update()
        try await database.schema("campaigns").deleteField("published_at").update()
    }
}
