import FluentKit

/// A liaison's office phone and email beside the mobile the SMS goes to (issue 19): the organiser
/// calls the office when a notice goes unsigned, and offices list both.
struct AddLiaisonContacts: AsyncMigration {
    var name: String { "020_AddLiaisonContacts" }

    func prepare(on database: any Database) async throws {
        try await database.schema("liaisons").field("office_phone", .string).update()
        try await database.schema("liaisons").field("email", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("liaisons").deleteField("office_phone").update()
        try await database.schema("liaisons").deleteField("email").update()
    }
}
