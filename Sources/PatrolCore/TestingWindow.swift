import Foundation

/// When testing may happen (SPEC §2): a running campaign, from its start (inclusive) to its end
/// (exclusive). The gateway, the submission rule and the pages all ask this one rule.
public struct TestingWindow: Sendable, Equatable {
    public var state: CampaignState
    public var startsAt: Date
    public var endsAt: Date

    public init(state: CampaignState, startsAt: Date, endsAt: Date) {
        self.state = state
        self.startsAt = startsAt
        self.endsAt = endsAt
    }

    public func isOpen(at now: Date) -> Bool { state == .running && now >= startsAt && now < endsAt }
}
