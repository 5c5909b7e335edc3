/// What must hold before a campaign changes state (issue 19), checked and shown to the admin
/// before they confirm: a campaign cannot start with nothing to test or nobody to test it, and the
/// result cannot be published over remediation reports nobody has retested.
public enum CampaignReadiness {
    /// The counts the checks are made of, read by the store in a few aggregate queries.
    public struct Facts: Sendable, Equatable {
        public var units: Int
        public var unitsWithApprovedAssets: Int
        public var pendingAssets: Int
        public var activeTeamsWithTesters: Int
        public var reportsAwaitingRetest: Int
        /// Findings notified to units and not closed.
        public var openFindings: Int

        public init(units: Int = 0, unitsWithApprovedAssets: Int = 0, pendingAssets: Int = 0, activeTeamsWithTesters: Int = 0,
                    reportsAwaitingRetest: Int = 0, openFindings: Int = 0) {
            self.units = units; self.unitsWithApprovedAssets = unitsWithApprovedAssets; self.pendingAssets = pendingAssets
            self.activeTeamsWithTesters = activeTeamsWithTesters; self.reportsAwaitingRetest = reportsAwaitingRetest
            self.openFindings = openFindings
        }
    }

    /// One condition: `blocking` ones refuse the change, `needsReason` ones let it through only
    /// with a reason the admin records, warnings are shown and let it through.
    public struct Check: Sendable, Equatable {
        public enum Weight: String, Sendable { case blocking, needsReason, warning }
        /// A stable name (`noUnitWithAsset`, …), also the key of its message.
        public var code: String
        public var weight: Weight
        public var count: Int
    }

    /// The state changes an admin may make on the campaign page; publishing has its own action,
    /// with the score sheet (`publishScores`), and is checked here as well.
    public static func allowed(from: CampaignState, to: CampaignState) -> Bool {
        switch (from, to) {
        case (.draft, .running), (.running, .closed), (.closed, .running), (.closed, .published), (.published, .closed),
             (.running, .draft):
            return true
        default:
            return false
        }
    }

    /// The checks of moving to `to`, failing ones only (an empty list means ready).
    public static func checks(to: CampaignState, facts: Facts) -> [Check] {
        var checks: [Check] = []
        switch to {
        case .running:
            if facts.unitsWithApprovedAssets == 0 { checks.append(.init(code: "noUnitWithAsset", weight: .blocking, count: 0)) }
            if facts.activeTeamsWithTesters == 0 { checks.append(.init(code: "noTeamWithTester", weight: .blocking, count: 0)) }
            if facts.pendingAssets > 0 { checks.append(.init(code: "assetsPending", weight: .blocking, count: facts.pendingAssets)) }
            let withoutAssets = facts.units - facts.unitsWithApprovedAssets
            if withoutAssets > 0, facts.unitsWithApprovedAssets > 0 {
                checks.append(.init(code: "unitsWithoutAssets", weight: .warning, count: withoutAssets))
            }
        case .closed:
            if facts.reportsAwaitingRetest > 0 {
                checks.append(.init(code: "reportsAwaitingRetest", weight: .warning, count: facts.reportsAwaitingRetest))
            }
        case .published:
            if facts.reportsAwaitingRetest > 0 {
                checks.append(.init(code: "reportsAwaitingRetest", weight: .needsReason, count: facts.reportsAwaitingRetest))
            }
        case .draft:
            break
        }
        return checks
    }

    /// Whether the change may go ahead with these failing checks, and a reason if one was given.
    public static func permits(_ checks: [Check], reason: String?) -> Bool {
        let hasReason = !(reason?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true)
        return !checks.contains { $0.weight == .blocking || ($0.weight == .needsReason && !hasReason) }
    }
}
