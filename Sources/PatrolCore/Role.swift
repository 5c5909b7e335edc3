/// Who a user is in a campaign (SPEC §1). Testers are bound to a team, liaisons to a unit.
public enum Role: String, Codable, Sendable, CaseIterable {
    case admin, reviewer, tester, liaison, observer

    /// Whether an account of this role must name a unit (`liaison`) or a team (`tester`).
    public var needsUnit: Bool { self == .liaison }
    public var needsTeam: Bool { self == .tester }
}
