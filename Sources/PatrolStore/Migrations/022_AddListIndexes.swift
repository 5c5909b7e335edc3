import FluentKit

/// Indexes for the filters and orders the paged lists offer (issue 20, item 2): the findings'
/// severity, the assets' review state, the SMS outbox by time, status and event (it spans
/// campaigns, so the campaign index of 021 does not serve it), the audit log's actor, action and
/// object newest first, and the accounts by role.
struct AddListIndexes: AsyncMigration {
    var name: String { "022_AddListIndexes" }

    static let indexes: [(name: String, table: String, columns: String)] = [
        ("findings_campaign_severity", "findings", "campaign_id, severity"),
        ("assets_campaign_review", "assets", "campaign_id, review"),
        ("sms_messages_created", "sms_messages", "created_at, id"),
        ("sms_messages_status_created", "sms_messages", "status, created_at"),
        ("sms_messages_event_created", "sms_messages", "event, created_at"),
        ("audit_events_action_seq", "audit_events", "action, seq"),
        ("audit_events_actor_seq", "audit_events", "actor, seq"),
        ("audit_events_object_seq", "audit_events", "object_id, seq"),
        ("users_role_username", "users", "role, username"),
    ]

    func prepare(on database: any Database) async throws { try await AddForeignKeyIndexes.create(Self.indexes, on: database) }

    func revert(on database: any Database) async throws { try await AddForeignKeyIndexes.drop(Self.indexes, on: database) }
}
