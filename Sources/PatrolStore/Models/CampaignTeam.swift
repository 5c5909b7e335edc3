import FluentKit
import Foundation
import PatrolCore

/// A team taking part in a campaign, with its standing there (the gateway's kill switch).
public final class CampaignTeam: Model, @unchecked Sendable {
    public static let schema = "campaign_teams"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "campaign_id") public var campaign: Campaign
    @Parent(key: "team_id") public var team: Team
    @Field(key: "state") public var state: TeamState
    /// TLS interception at the gateway for this team.
    @Field(key: "interception") public var interception: Bool

    public init() {}
}
