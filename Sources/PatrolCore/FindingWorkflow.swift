/// What can happen to a finding (SPEC §3). Each event is done by a role the access policy names;
/// this type only says whether the finding's state allows it and where it leads.
public enum FindingEvent: String, Sendable, CaseIterable, Codable {
    /// Reviewer: the finding is real (may adjust severity and flags).
    case verify
    /// Reviewer: the team must add information.
    case requestInfo
    /// Tester: edited after a request for information; back to the queue.
    case resubmit
    /// Reviewer: not a vulnerability, out of scope, …
    case reject
    /// Reviewer: the same as an earlier finding (links the original).
    case markDuplicate
    /// Admin: the finding is part of a notice (通报) to its unit; the remediation clock starts.
    case issueNotice
    /// Liaison: a remediation report (整改报告).
    case submitReport
    /// Reviewer: the latest report's retest (复测) passed.
    case retestPassed
    /// Reviewer: the retest failed; the finding goes back to the unit (退回).
    case retestFailed
}

/// A move the workflow does not allow, naming the state and the event.
public struct IllegalTransition: Error, Sendable, Equatable, CustomStringConvertible {
    public var from: FindingStatus
    public var event: FindingEvent
    public var description: String { "a \(from.rawValue) finding cannot \(event.rawValue)" }
}

/// The finding state machine of SPEC §3:
///
///     submitted ──verify──▶ verified ──issueNotice──▶ notified ──submitReport──▶ remediated
///       │  ▲                                            ▲                            │
///       │  └─ requestInfo → needInfo ─ resubmit         └──── retestFailed (退回) ◀───┤
///       ├─reject──▶ rejected                                        retestPassed ──▶ closed
///       └─markDuplicate──▶ duplicate
///
/// rejected, duplicate and closed are final.
public enum FindingWorkflow {
    public static func next(_ from: FindingStatus, _ event: FindingEvent) throws(IllegalTransition) -> FindingStatus {
        switch (from, event) {
        case (.submitted, .verify): return .verified
        case (.submitted, .requestInfo): return .needInfo
        case (.needInfo, .resubmit): return .submitted
        case (.submitted, .reject): return .rejected
        case (.submitted, .markDuplicate): return .duplicate
        case (.verified, .issueNotice): return .notified
        case (.notified, .submitReport): return .remediated
        case (.remediated, .retestPassed): return .closed
        case (.remediated, .retestFailed): return .notified
        default: throw IllegalTransition(from: from, event: event)
        }
    }

    /// The events a finding in this state accepts, in a stable order.
    public static func events(from status: FindingStatus) -> [FindingEvent] {
        FindingEvent.allCases.filter { (try? next(status, $0)) != nil }
    }

    public static func isFinal(_ status: FindingStatus) -> Bool { events(from: status).isEmpty }

    /// The state shown outside the platform's review (API `status`, SPEC §3): needInfo shows as
    /// submitted, with the request alongside.
    public static func publicStatus(_ status: FindingStatus) -> FindingStatus {
        status == .needInfo ? .submitted : status
    }
}

/// The remediation clock of a notified finding: the marks (24 h, 48 h, 72 h by default) counted
/// from `notifiedAt`, and how long is left to each.
public struct RemediationClock: Sendable, Equatable {
    public struct Mark: Sendable, Equatable {
        public var hours: Int
        public var at: EpochMillis
        /// Milliseconds left at `now` (negative once passed).
        public var remaining: EpochMillis
        public var passed: Bool { remaining < 0 }
    }

    public var notifiedAt: EpochMillis
    public var marks: [Mark]

    public init(notifiedAt: EpochMillis, policy: ScoringPolicy = .standard, now: EpochMillis) {
        self.notifiedAt = notifiedAt
        var hours = policy.remediationBrackets.map(\.withinHours)
        if !hours.contains(policy.unfixedAfterHours) { hours.append(policy.unfixedAfterHours) }
        self.marks = hours.sorted().map { h in
            let at = notifiedAt + EpochMillis(h) * 3_600_000
            return Mark(hours: h, at: at, remaining: at - now)
        }
    }

    /// The first mark not yet passed at `now`, if any.
    public var nextMark: Mark? { marks.first { !$0.passed } }
}
