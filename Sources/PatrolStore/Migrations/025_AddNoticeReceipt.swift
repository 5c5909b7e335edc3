import FluentKit

/// A notice's receipt (签收, issue 21): when the unit's liaison signed for it, and who, by account
/// and by name as it was at that moment (an account renamed later does not rewrite the record).
struct AddNoticeReceipt: AsyncMigration {
    var name: String { "025_AddNoticeReceipt" }

    func prepare(on database: any Database) async throws {
        try await database.schema("notices").field("signed_at", .datetime).update()
        try await database.schema("notices").field("signed_by_id", .uuid).update()
        try await database.schema("notices").field("signed_by_name", .string).update()
    }

    func revert(on database: any Database) async throws {
        for field in ["signed_at", "signed_by_id", "signed_by_name"] {
            try await database.schema("notices").deleteField(.string(field)).update()
        }
    }
}
