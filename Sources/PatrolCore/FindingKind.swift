/// The three kinds of finding (SPEC §3).
public enum FindingKind: String, Codable, Sendable, CaseIterable {
    case vulnerability, intrusion, assetDiscrepancy
}

/// Vulnerability severity after GB/T 30279-2020: 超危 / 高危 / 中危 / 低危.
public enum Severity: String, Codable, Sendable, CaseIterable {
    case critical, high, medium, low
}

/// Where a finding is in the workflow of SPEC §3.
public enum FindingStatus: String, Codable, Sendable, CaseIterable {
    case submitted, needInfo, verified, notified, remediated, closed, rejected, duplicate

    /// Counted findings are those verified or later (SPEC §5).
    public var isCounted: Bool {
        switch self {
        case .verified, .notified, .remediated, .closed: true
        case .submitted, .needInfo, .rejected, .duplicate: false
        }
    }

    /// Whether the finding has been shown to the unit (it has a notice).
    public var isNotified: Bool {
        switch self {
        case .notified, .remediated, .closed: true
        default: false
        }
    }
}

/// A reviewer's verdict on a remediation report (复测).
public enum RetestResult: String, Codable, Sendable, CaseIterable {
    case passed, failed
}

/// A testing team's standing in a campaign; a suspended team is stopped at the gateway.
public enum TeamState: String, Codable, Sendable, CaseIterable {
    case active, suspended
}
