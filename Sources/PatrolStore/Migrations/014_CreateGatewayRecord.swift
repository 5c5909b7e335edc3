import FluentKit
import SQLKit

/// What the supervision gateway saw (SPEC §6): one row per request, tunnel or refused attempt.
/// Integer ids, so records page and export in the order they were written.
struct CreateGatewayRecord: AsyncMigration {
    var name: String { "014_CreateGatewayRecord" }

    func prepare(on database: any Database) async throws {
        try await database.schema("gateway_records")
            .field("id", .int64, .identifier(auto: true))
            .field("campaign_id", .uuid, .references("campaigns", "id", onDelete: .cascade))
            .field("team_id", .uuid, .references("teams", "id", onDelete: .setNull))
            .field("user_id", .uuid, .references("users", "id", onDelete: .setNull))
            .field("username", .string)
            .field("client", .string, .required)
            .field("kind", .string, .required)
            .field("method", .string)
            .field("url", .string, .required)
            .field("host", .string, .required)
            .field("port", .int, .required)
            .field("address", .string)
            .field("status", .int)
            .field("bytes_up", .int64, .required)
            .field("bytes_down", .int64, .required)
            .field("started_at", .datetime, .required)
            .field("duration_ms", .int, .required)
            .field("decision", .string, .required)
            .field("reason", .string)
            .field("alerts", .string)
            .field("request_headers", .string)
            .field("response_headers", .string)
            .field("request_body", .data)
            .field("request_body_size", .int, .required)
            .field("request_body_truncated", .bool, .required)
            .field("response_body", .data)
            .field("response_body_size", .int, .required)
            .field("response_body_truncated", .bool, .required)
            .field("tls", .string)
            .field("replay_of", .int64)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("CREATE INDEX gateway_records_campaign_time ON gateway_records (campaign_id, started_at)").run()
        try await sql.raw("CREATE INDEX gateway_records_campaign_team ON gateway_records (campaign_id, team_id, id)").run()
        try await sql.raw("CREATE INDEX gateway_records_alerts ON gateway_records (campaign_id, id) WHERE alerts IS NOT NULL").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("gateway_records").delete()
    }
}
