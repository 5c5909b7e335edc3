import FluentKit

struct CreateSMSMessage: AsyncMigration {
    var name: String { "010_CreateSMSMessage" }

    func prepare(on database: any Database) async throws {
        try await database.schema("sms_messages")
            .id()
            .field("campaign_id", .uuid, .references("campaigns", "id", onDelete: .cascade))
            .field("event", .string, .required)
            .field("dedupe_key", .string, .required)
            .field("phone", .string, .required)
            .field("template", .string, .required)
            .field("params", .string, .required)
            .field("body", .string, .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("lease_until", .datetime)
            .field("provider", .string)
            .field("provider_message_id", .string)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .unique(on: "dedupe_key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("sms_messages").delete()
    }
}
