import PatrolCore

extension FindingScope {
    /// Whether the reader sees findings before they are notified (a unit sees only notified ones).
    var includesUnnotified: Bool {
        if case .notifiedOfUnit = self { return false }
        return true
    }

    /// The findings list's heading: a team's, a unit's, or all.
    var headingKey: String {
        switch self {
        case .team: return "findings.title.team"
        case .notifiedOfUnit: return "findings.title.unit"
        case .all, .none: return "findings.title.all"
        }
    }
}
