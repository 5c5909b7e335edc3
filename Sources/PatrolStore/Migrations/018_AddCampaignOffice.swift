import FluentKit

/// The issuing office of a campaign and its contacts (`CampaignOffice`, issue 19), as one JSON
/// text: the notice document (issue 21) reads it whole, and nothing queries by its parts.
struct AddCampaignOffice: AsyncMigration {
    var name: String { "018_AddCampaignOffice" }

    func prepare(on database: any Database) async throws {
        try await database.schema("campaigns").field("office", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("campaigns").deleteField("office").update()
    }
}
