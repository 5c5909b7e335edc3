import FluentKit
import Foundation

/// One SMS in the transactional outbox (SPEC §4): written with its event, sent by the worker.
public final class SMSMessage: Model, @unchecked Sendable {
    public static let schema = "sms_messages"

    public enum Status: String, Codable, Sendable, CaseIterable { case pending, sending, sent, failed }

    @ID(key: .id) public var id: UUID?
    @OptionalParent(key: "campaign_id") public var campaign: Campaign?
    /// `noticeIssued`, `reminder`, `returned`.
    @Field(key: "event") public var event: String
    /// One message per event and phone: the outbox refuses a second row with the same key.
    @Field(key: "dedupe_key") public var dedupeKey: String
    @Field(key: "phone") public var phone: String
    @Field(key: "template") public var template: String
    /// Template variables (JSON object).
    @Field(key: "params") public var paramsJSON: String
    @Field(key: "body") public var body: String
    @Field(key: "status") public var status: Status
    @Field(key: "attempts") public var attempts: Int
    @Field(key: "next_attempt_at") public var nextAttemptAt: Date
    @OptionalField(key: "lease_until") public var leaseUntil: Date?
    @OptionalField(key: "provider") public var provider: String?
    @OptionalField(key: "provider_message_id") public var providerMessageID: String?
    @OptionalField(key: "last_error") public var lastError: String?
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "sent_at") public var sentAt: Date?

    public init() {}

    public init(campaignID: UUID?, event: String, dedupeKey: String, phone: String, template: String,
                params: [String: String], body: String, now: Date) {
        self.$campaign.id = campaignID
        self.event = event
        self.dedupeKey = dedupeKey
        self.phone = phone
        self.template = template
        self.paramsJSON = JSONText.encode(params)
        self.body = body
        self.status = .pending
        self.attempts = 0
        self.nextAttemptAt = now
        self.createdAt = now
    }
}
