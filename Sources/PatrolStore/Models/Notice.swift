import FluentKit
import Foundation

/// A notice (通报) issuing verified findings to one unit, numbered `{campaign}-{unit}-{seq}`.
public final class Notice: Model, @unchecked Sendable {
    public static let schema = "notices"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "campaign_id") public var campaign: Campaign
    @Parent(key: "unit_id") public var unit: Unit
    @Field(key: "code") public var code: String
    @Field(key: "seq") public var seq: Int
    @Field(key: "issued_at") public var issuedAt: Date
    @OptionalParent(key: "issued_by_id") public var issuedBy: User?

    @Children(for: \.$notice) public var findings: [Finding]

    public init() {}

    public init(campaignID: UUID, unitID: UUID, code: String, seq: Int, issuedAt: Date, issuedByID: UUID? = nil) {
        self.$campaign.id = campaignID
        self.$unit.id = unitID
        self.code = code
        self.seq = seq
        self.issuedAt = issuedAt
        self.$issuedBy.id = issuedByID
    }
}
