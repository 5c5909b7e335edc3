import FluentKit
import Foundation

/// A testing team (检测队). Its code is stable across campaigns.
public final class Team: Model, @unchecked Sendable {
    public static let schema = "teams"

    @ID(key: .id) public var id: UUID?
    @Field(key: "code") public var code: String
    @Field(key: "name") public var name: String
    @OptionalField(key: "company") public var company: String?
    /// Whom the organiser calls about the team, and their mainland mobile number (11 digits).
    @OptionalField(key: "contact_name") public var contactName: String?
    @OptionalField(key: "contact_phone") public var contactPhone: String?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}

    public init(code: String, name: String, company: String? = nil) {
        self.code = code
        self.name = name
        self.company = company
    }
}
