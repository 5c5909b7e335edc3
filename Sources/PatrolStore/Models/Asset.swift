import FluentKit
import Foundation
import PatrolCore

/// An internet asset (互联网资产) of a unit in a campaign.
public final class Asset: Model, @unchecked Sendable {
    public static let schema = "assets"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "campaign_id") public var campaign: Campaign
    @Parent(key: "unit_id") public var unit: Unit
    @Field(key: "code") public var code: String
    @Field(key: "kind") public var kind: AssetKind
    /// Host, URL, IP address or CIDR.
    @Field(key: "target") public var target: String
    /// Optional port list, e.g. `80,443,8000-8100`.
    @OptionalField(key: "ports") public var ports: String?
    @Field(key: "origin") public var origin: AssetOrigin
    @OptionalField(key: "note") public var note: String?
    /// Marked by an admin as an internal network: only then may its range open special addresses
    /// (loopback, private, link-local, metadata) to testers (`ScopeRule.opensSpecialAddresses`).
    @Field(key: "internal_network") public var internalNetwork: Bool
    /// The organiser's review (`AssetReview`): only approved assets are in the gateway's scope.
    @Field(key: "review") public var review: AssetReview
    /// Why it was rejected, told to the liaison.
    @OptionalField(key: "review_reason") public var reviewReason: String?
    /// The user name of who approved or rejected it, and when.
    @OptionalField(key: "reviewed_by") public var reviewedBy: String?
    @OptionalField(key: "reviewed_at") public var reviewedAt: Date?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public init(campaignID: UUID, unitID: UUID, code: String, kind: AssetKind, target: String, ports: String? = nil,
                origin: AssetOrigin, note: String? = nil, internalNetwork: Bool = false, review: AssetReview = .approved,
                reviewReason: String? = nil) {
        self.$campaign.id = campaignID
        self.$unit.id = unitID
        self.code = code
        self.kind = kind
        self.target = target
        self.ports = ports
        self.origin = origin
        self.note = note
        self.internalNetwork = internalNetwork
        self.review = review
        self.reviewReason = reviewReason
    }
}
