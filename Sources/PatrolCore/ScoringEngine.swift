import BigInt

/// Milliseconds since 1970-01-01 UTC. The engine takes times as integers so that nothing on the
/// scoring path is a floating-point number.
public typealias EpochMillis = Int64

/// What the scoring engine reads: the campaign's units with their asset counts, its findings with
/// their remediation history, the policy and the scoring instant (SPEC §5).
public struct ScoringInput: Sendable {
    public struct Unit: Sendable, Equatable {
        public var code: String
        public var name: String
        public var group: UnitGroup
        /// Declared + discovered assets of the unit in this campaign.
        public var assets: Int
        public init(code: String, name: String, group: UnitGroup, assets: Int) {
            self.code = code; self.name = name; self.group = group; self.assets = assets
        }
    }

    public struct Report: Sendable, Equatable {
        public var submittedAt: EpochMillis
        /// nil while the report awaits its retest.
        public var retest: RetestResult?
        public init(submittedAt: EpochMillis, retest: RetestResult?) {
            self.submittedAt = submittedAt; self.retest = retest
        }
    }

    public struct Finding: Sendable, Equatable {
        public var code: String
        public var unit: String
        public var kind: FindingKind
        public var severity: Severity?
        public var weakPassword: Bool
        public var sensitiveRecords: Int
        public var status: FindingStatus
        public var notifiedAt: EpochMillis?
        public var reports: [Report]
        public init(code: String, unit: String, kind: FindingKind, severity: Severity? = nil, weakPassword: Bool = false,
                    sensitiveRecords: Int = 0, status: FindingStatus, notifiedAt: EpochMillis? = nil, reports: [Report] = []) {
            self.code = code; self.unit = unit; self.kind = kind; self.severity = severity
            self.weakPassword = weakPassword; self.sensitiveRecords = sensitiveRecords; self.status = status
            self.notifiedAt = notifiedAt; self.reports = reports
        }

        /// The fix time (SPEC §3): the `submittedAt` of the report whose retest passed. The unit is
        /// not penalised for the reviewer's delay. With several passed reports the earliest counts.
        public var fixedAt: EpochMillis? {
            var best: EpochMillis?
            for r in reports where r.retest == .passed {
                if best == nil || r.submittedAt < best! { best = r.submittedAt }
            }
            return best
        }
    }

    public var policy: ScoringPolicy
    /// The scoring instant: unfixed findings count only once `unfixedAfterHours` have passed by it.
    public var at: EpochMillis
    public var units: [Unit]
    public var findings: [Finding]

    public init(policy: ScoringPolicy, at: EpochMillis, units: [Unit], findings: [Finding]) {
        self.policy = policy; self.at = at; self.units = units; self.findings = findings
    }
}

/// The five parts of a score card (SPEC §5).
public enum ScorePart: String, Sendable, Codable, CaseIterable {
    case asset, vulnerability, protection, data, remediation
}

/// Why a line is on a score card. `code` is stable (JSON, CSV); pages translate it.
public enum ScoreRule: Sendable, Equatable, Hashable {
    /// A counted asset discrepancy: −assetPerDiscrepancy from the asset part.
    case assetDiscrepancy
    /// A counted vulnerability adding its severity's points to the unit's vulnerability points.
    case severity(Severity)
    /// A counted intrusion: −protectionPerItem.
    case intrusion
    /// A counted weak-password vulnerability: −protectionPerItem (it also counts in vulnerabilities).
    case weakPassword
    /// A counted vulnerability exposing ≥ threshold sensitive records: −dataPerItem.
    case sensitiveRecords(threshold: Int)
    /// Fixed within this many hours of notifiedAt.
    case fixedWithin(hours: Int)
    /// Fixed, but after the last bracket.
    case fixedLate(afterHours: Int)
    /// Not fixed and more than `afterHours` have passed by the scoring instant.
    case unfixed(afterHours: Int)
    /// Not fixed yet, still within `afterHours`: no deduction now, shown as pending.
    case pending(withinHours: Int)

    public var code: String {
        switch self {
        case .assetDiscrepancy: "asset.discrepancy"
        case .severity(let s): "vulnerability.\(s.rawValue)"
        case .intrusion: "protection.intrusion"
        case .weakPassword: "protection.weakPassword"
        case .sensitiveRecords: "data.sensitiveRecords"
        case .fixedWithin(let h): "remediation.within\(h)h"
        case .fixedLate: "remediation.late"
        case .unfixed: "remediation.unfixed"
        case .pending: "remediation.pending"
        }
    }

    public var part: ScorePart {
        switch self {
        case .assetDiscrepancy: .asset
        case .severity: .vulnerability
        case .intrusion, .weakPassword: .protection
        case .sensitiveRecords: .data
        case .fixedWithin, .fixedLate, .unfixed, .pending: .remediation
        }
    }
}

/// One line of a score card: which finding, which rule, how many points.
public struct ScoreLine: Sendable, Equatable {
    public var finding: String
    public var rule: ScoreRule
    /// Points deducted from the part — or, for `.severity`, the vulnerability points it adds.
    public var points: Int
    /// For remediation lines: fix time − notifiedAt, or (unfixed / pending) the scoring instant − notifiedAt.
    public var elapsedMillis: EpochMillis?
    /// Unfixed or pending, and the latest report is waiting for its retest.
    public var awaitingRetest: Bool

    public var part: ScorePart { rule.part }
}

/// The vulnerability part's formula with the unit's own numbers, so a unit can redo the sum:
/// `55 × (1 − (20/1) ÷ (160/1)) = 48.125 → 48.13`.
public struct VulnerabilityFormula: Sendable, Equatable {
    public var maximum: Int
    public var points: Int
    /// Assets as used in the ratio (at least 1).
    public var assets: Int
    /// The unit with the largest points/assets ratio, nil when no unit has any points.
    public var baseUnit: String?
    public var basePoints: Int
    public var baseAssets: Int
    public var exact: Rational
    public var rounded: Hundredths

    public var text: String {
        guard baseUnit != nil else { return "\(maximum) (p = 0) → \(rounded)" }
        return "\(maximum) × (1 − (\(points)/\(assets)) ÷ (\(basePoints)/\(baseAssets))) = \(exact.decimalText()) → \(rounded)"
    }
}

/// One unit's score card.
public struct UnitScore: Sendable, Equatable {
    public var unit: String
    public var name: String
    public var group: UnitGroup
    /// The unit's asset count as registered (0 stays 0 here; the ratio uses 1).
    public var assets: Int
    /// Σ severity points of counted vulnerabilities.
    public var points: Int
    public var asset: Hundredths
    public var vulnerability: Hundredths
    public var protection: Hundredths
    public var data: Hundredths
    /// The remediation deduction (≥ 0).
    public var remediation: Hundredths
    public var total: Hundredths
    public var rank: Int
    public var groupRank: Int
    public var formula: VulnerabilityFormula
    /// Every line, ordered by finding code then part.
    public var lines: [ScoreLine]

    /// Findings notified, not yet fixed and still within the unfixed mark.
    public var pendingCount: Int {
        lines.reduce(0) { count, line in
            if case .pending = line.rule { return count + 1 }
            return count
        }
    }
}

/// A whole campaign's scores: units ordered by rank, then code.
public struct ScoreSheet: Sendable, Equatable {
    public var at: EpochMillis
    public var policy: ScoringPolicy
    public var units: [UnitScore]

    public func unit(_ code: String) -> UnitScore? { units.first { $0.unit == code } }

    /// Units of one group, ordered by group rank.
    public func group(_ group: UnitGroup) -> [UnitScore] { units.filter { $0.group == group } }
}

public enum ScoringError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownUnit(finding: String, unit: String)
    case duplicateUnit(String)
    case invalidPolicy([ScoringPolicyProblem])

    public var description: String {
        switch self {
        case .unknownUnit(let f, let u): "finding \(f): unit \"\(u)\" does not take part in the campaign"
        case .duplicateUnit(let u): "unit \(u) appears twice"
        case .invalidPolicy(let p): "invalid scoring policy: " + p.map(\.description).joined(separator: "; ")
        }
    }
}

/// The scoring standard of SPEC §5 applied to a campaign. Pure and exact: integers and rationals,
/// half-up rounding to hundredths per part, floors at 0, ties share a rank (1, 2, 2, 4). The result
/// does not depend on the order of units or findings in the input.
public enum ScoringEngine {
    static let hour: EpochMillis = 3_600_000

    public static func score(_ input: ScoringInput) throws(ScoringError) -> ScoreSheet {
        let policy = input.policy
        let problems = policy.problems()
        guard problems.isEmpty else { throw .invalidPolicy(problems) }

        var index: [String: Int] = [:]
        index.reserveCapacity(input.units.count)
        for (i, u) in input.units.enumerated() {
            guard index.updateValue(i, forKey: u.code) == nil else { throw .duplicateUnit(u.code) }
        }

        struct Tally {
            var discrepancies = 0, points = 0, protectionItems = 0, dataItems = 0, remediation = 0
            var lines: [ScoreLine] = []
        }
        var tallies = [Tally](repeating: Tally(), count: input.units.count)
        let brackets = policy.remediationBrackets
        let unfixedMark = EpochMillis(policy.unfixedAfterHours) * hour

        for f in input.findings {
            guard let u = index[f.unit] else { throw .unknownUnit(finding: f.code, unit: f.unit) }
            guard f.status.isCounted else { continue }
            var t = tallies[u]
            tallies[u] = Tally()  // keep the lines array uniquely referenced while appending
            switch f.kind {
            case .assetDiscrepancy:
                t.discrepancies += 1
                t.lines.append(ScoreLine(finding: f.code, rule: .assetDiscrepancy, points: policy.assetPerDiscrepancy,
                                         elapsedMillis: nil, awaitingRetest: false))
            case .intrusion:
                t.protectionItems += 1
                t.lines.append(ScoreLine(finding: f.code, rule: .intrusion, points: policy.protectionPerItem,
                                         elapsedMillis: nil, awaitingRetest: false))
            case .vulnerability:
                let severity = f.severity ?? .low
                let p = policy.points(for: severity)
                t.points += p
                t.lines.append(ScoreLine(finding: f.code, rule: .severity(severity), points: p,
                                         elapsedMillis: nil, awaitingRetest: false))
                if f.weakPassword {
                    t.protectionItems += 1
                    t.lines.append(ScoreLine(finding: f.code, rule: .weakPassword, points: policy.protectionPerItem,
                                             elapsedMillis: nil, awaitingRetest: false))
                }
                if f.sensitiveRecords >= policy.sensitiveRecordsThreshold {
                    t.dataItems += 1
                    t.lines.append(ScoreLine(finding: f.code, rule: .sensitiveRecords(threshold: policy.sensitiveRecordsThreshold),
                                             points: policy.dataPerItem, elapsedMillis: nil, awaitingRetest: false))
                }
            }
            // Remediation applies to notified vulnerabilities and intrusions.
            if f.kind != .assetDiscrepancy, let notified = f.notifiedAt {
                let line: ScoreLine
                if let fixed = f.fixedAt {
                    let elapsed = max(0, fixed - notified)
                    if let b = policy.bracket(forElapsed: elapsed) {
                        line = ScoreLine(finding: f.code, rule: .fixedWithin(hours: b.withinHours), points: b.points,
                                         elapsedMillis: elapsed, awaitingRetest: false)
                    } else {
                        line = ScoreLine(finding: f.code, rule: .fixedLate(afterHours: brackets.last?.withinHours ?? 0),
                                         points: policy.remediationLatePoints, elapsedMillis: elapsed, awaitingRetest: false)
                    }
                } else {
                    let elapsed = input.at - notified
                    // The latest report; among reports of the same instant, one still awaiting its retest
                    // wins, so the answer does not depend on the order of the reports.
                    let latest = f.reports.map(\.submittedAt).max()
                    let waiting = latest.map { t in f.reports.contains { $0.submittedAt == t && $0.retest == nil } } ?? false
                    if elapsed > unfixedMark {
                        line = ScoreLine(finding: f.code, rule: .unfixed(afterHours: policy.unfixedAfterHours),
                                         points: policy.unfixedPoints, elapsedMillis: elapsed, awaitingRetest: waiting)
                    } else {
                        line = ScoreLine(finding: f.code, rule: .pending(withinHours: policy.unfixedAfterHours),
                                         points: 0, elapsedMillis: elapsed, awaitingRetest: waiting)
                    }
                }
                t.remediation += line.points
                t.lines.append(line)
            }
            tallies[u] = t
        }

        // base = the largest points/assets ratio; ties resolved by unit code so the formula is stable.
        var baseIndex: Int?
        for (i, u) in input.units.enumerated() where tallies[i].points > 0 {
            guard let b = baseIndex else { baseIndex = i; continue }
            let lhs = BigInt(tallies[i].points) * BigInt(max(1, input.units[b].assets))
            let rhs = BigInt(tallies[b].points) * BigInt(max(1, u.assets))
            if lhs > rhs || (lhs == rhs && u.code < input.units[b].code) { baseIndex = i }
        }

        var scores: [UnitScore] = []
        scores.reserveCapacity(input.units.count)
        for (i, u) in input.units.enumerated() {
            let t = tallies[i]
            let assets = max(1, u.assets)
            let maxV = Rational(policy.vulnerabilityMax)
            let formula: VulnerabilityFormula
            if let b = baseIndex {
                let pm = tallies[b].points, am = max(1, input.units[b].assets)
                // 55 × (1 − p_u·a_m / (a_u·p_m))
                let ratio = Rational(BigInt(t.points) * BigInt(am), BigInt(assets) * BigInt(pm))
                let exact = maxV * (Rational.one - ratio)
                formula = VulnerabilityFormula(maximum: policy.vulnerabilityMax, points: t.points, assets: assets,
                                               baseUnit: input.units[b].code, basePoints: pm, baseAssets: am,
                                               exact: exact, rounded: exact.roundedToHundredths)
            } else {
                formula = VulnerabilityFormula(maximum: policy.vulnerabilityMax, points: 0, assets: assets, baseUnit: nil,
                                               basePoints: 0, baseAssets: 1, exact: maxV, rounded: .points(policy.vulnerabilityMax))
            }
            let asset = Hundredths.points(max(0, policy.assetMax - policy.assetPerDiscrepancy * t.discrepancies))
            let vulnerability = max(.zero, formula.rounded)
            let protection = Hundredths.points(max(0, policy.protectionMax - policy.protectionPerItem * t.protectionItems))
            let data = Hundredths.points(max(0, policy.dataMax - policy.dataPerItem * t.dataItems))
            let remediation = Hundredths.points(t.remediation)
            let total = max(.zero, asset + vulnerability + protection + data - remediation)
            let lines = t.lines.sorted { a, b in
                a.finding != b.finding ? a.finding < b.finding : partOrder(a) < partOrder(b)
            }
            scores.append(UnitScore(unit: u.code, name: u.name, group: u.group, assets: u.assets, points: t.points,
                                    asset: asset, vulnerability: vulnerability, protection: protection, data: data,
                                    remediation: remediation, total: total, rank: 0, groupRank: 0,
                                    formula: formula, lines: lines))
        }

        scores.sort { $0.total != $1.total ? $0.total > $1.total : $0.unit < $1.unit }
        // Equal totals share a rank: 1, 2, 2, 4.
        var groupSeen: [UnitGroup: (count: Int, lastTotal: Hundredths, lastRank: Int)] = [:]
        for i in scores.indices {
            scores[i].rank = (i > 0 && scores[i].total == scores[i - 1].total) ? scores[i - 1].rank : i + 1
            let g = scores[i].group
            let seen = groupSeen[g]
            let groupRank = (seen != nil && seen!.lastTotal == scores[i].total) ? seen!.lastRank : (seen?.count ?? 0) + 1
            scores[i].groupRank = groupRank
            groupSeen[g] = ((seen?.count ?? 0) + 1, scores[i].total, groupRank)
        }
        return ScoreSheet(at: input.at, policy: policy, units: scores)
    }

    private static func partOrder(_ line: ScoreLine) -> Int {
        ScorePart.allCases.firstIndex(of: line.part)!
    }
}
