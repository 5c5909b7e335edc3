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
    /// When the unit's liaison signed for the notice (签收); nil until then. Signing does not start
    /// or stop the remediation clock, which runs from `issuedAt`.
    @OptionalField(key: "signed_at") public var signedAt: Date?
    @OptionalField(key: "signed_by_id") public var signedByID: UUID?
    /// The signer's name as it was when they signed.
    @OptionalField(key: "signed_by_name") public var signedByName: String?

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
