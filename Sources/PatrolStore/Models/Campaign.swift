import FluentKit
import Foundation
import PatrolCore

/// An inspection campaign (SPEC §2): its window, time zone, state and scoring policy.
public final class Campaign: Model, @unchecked Sendable {
    public static let schema = "campaigns"

    @ID(key: .id) public var id: UUID?
    @Field(key: "code") public var code: String
    @Field(key: "name") public var name: String
    @Field(key: "time_zone") public var timeZone: String
    @Field(key: "starts_at") public var startsAt: Date
    @Field(key: "ends_at") public var endsAt: Date
    @OptionalField(key: "scored_at") public var scoredAt: Date?
    @Field(key: "state") public var state: CampaignState
    /// The scoring policy as JSON (`ScoringPolicy`), so next year's numbers are data.
    @Field(key: "scoring_policy") public var scoringPolicyJSON: String
    @Field(key: "is_demo") public var isDemo: Bool
    /// When the admin published the scores; nil while they are provisional.
    @OptionalField(key: "published_at") public var publishedAt: Date?
    /// The score sheet as published (`ScoreSheetDocument` JSON), frozen at that moment.
    @OptionalField(key: "published_scores") public var publishedScoresJSON: String?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    /// `CampaignOffice` as JSON; nil when none was set.
    @OptionalField(key: "office") public var officeJSON: String?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    @Siblings(through: CampaignUnit.self, from: \.$campaign, to: \.$unit) public var units: [Unit]
    @Siblings(through: CampaignTeam.self, from: \.$campaign, to: \.$team) public var teams: [Team]

    public init() {}

    public init(code: String, name: String, timeZone: String, startsAt: Date, endsAt: Date, scoredAt: Date? = nil,
                state: CampaignState = .draft, scoringPolicy: ScoringPolicy = .standard, isDemo: Bool = false) {
        self.code = code
        self.name = name
        self.timeZone = timeZone
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.scoredAt = scoredAt
        self.state = state
        self.scoringPolicyJSON = JSONText.encode(scoringPolicy)
        self.isDemo = isDemo
    }

    public var scoringPolicy: ScoringPolicy {
        get { JSONText.decode(ScoringPolicy.self, scoringPolicyJSON) ?? .standard }
        set { scoringPolicyJSON = JSONText.encode(newValue) }
    }

    public var office: CampaignOffice {
        get { officeJSON.flatMap { JSONText.decode(CampaignOffice.self, $0) } ?? CampaignOffice() }
        set { officeJSON = newValue.isEmpty ? nil : JSONText.encode(newValue) }
    }

    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: "Asia/Shanghai")! }
}
