import FluentKit
import Foundation

/// A unit taking part in a campaign.
public final class CampaignUnit: Model, @unchecked Sendable {
    public static let schema = "campaign_units"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "campaign_id") public var campaign: Campaign
    @Parent(key: "unit_id") public var unit: Unit

    public init() {}
}
