/// Every number of the scoring standard (SPEC §5) as data, stored per campaign. The defaults are
/// 《"网安2022"常州行动被检测单位评分标准》.
public struct ScoringPolicy: Codable, Sendable, Equatable {
    public struct Bracket: Codable, Sendable, Equatable {
        /// Fix time − notifiedAt at most this many hours …
        public var withinHours: Int
        /// … costs this many points.
        public var points: Int
        public init(withinHours: Int, points: Int) { self.withinHours = withinHours; self.points = points }
    }

    public var assetMax: Int = 5
    public var assetPerDiscrepancy: Int = 1
    public var vulnerabilityMax: Int = 55
    public var severityPoints: [String: Int] = ["critical": 80, "high": 80, "medium": 20, "low": 0]
    public var protectionMax: Int = 25
    public var protectionPerItem: Int = 5
    public var dataMax: Int = 15
    public var dataPerItem: Int = 5
    public var sensitiveRecordsThreshold: Int = 500
    public var remediationBrackets: [Bracket] = [.init(withinHours: 24, points: 0),
                                                 .init(withinHours: 48, points: 1),
                                                 .init(withinHours: 72, points: 2)]
    public var remediationLatePoints: Int = 5
    public var unfixedAfterHours: Int = 72
    public var unfixedPoints: Int = 5

    public init() {}

    public static let standard = ScoringPolicy()

    /// The points a counted vulnerability of this severity adds to its unit's total (0 if unset).
    public func points(for severity: Severity) -> Int { severityPoints[severity.rawValue] ?? 0 }

    /// The four parts a unit can score; a score card is out of this many points.
    public var maximumTotal: Int { assetMax + vulnerabilityMax + protectionMax + dataMax }

    /// Everything wrong with this policy, empty when it can be used. An admin's edit is refused
    /// with these, each naming the setting.
    public func problems() -> [ScoringPolicyProblem] {
        var out: [ScoringPolicyProblem] = []
        func range(_ field: String, _ value: Int, _ r: ClosedRange<Int>) {
            if !r.contains(value) { out.append(.init(field: field, kind: .outOfRange(value: value, range: r))) }
        }
        range("assetMax", assetMax, 0...100)
        range("assetPerDiscrepancy", assetPerDiscrepancy, 0...100)
        range("vulnerabilityMax", vulnerabilityMax, 0...100)
        range("protectionMax", protectionMax, 0...100)
        range("protectionPerItem", protectionPerItem, 0...100)
        range("dataMax", dataMax, 0...100)
        range("dataPerItem", dataPerItem, 0...100)
        range("sensitiveRecordsThreshold", sensitiveRecordsThreshold, 1...1_000_000_000)
        range("remediationLatePoints", remediationLatePoints, 0...100)
        range("unfixedAfterHours", unfixedAfterHours, 1...10_000)
        range("unfixedPoints", unfixedPoints, 0...100)
        for severity in Severity.allCases {
            if let p = severityPoints[severity.rawValue] {
                range("severityPoints.\(severity.rawValue)", p, 0...10_000)
            } else {
                out.append(.init(field: "severityPoints.\(severity.rawValue)", kind: .missing))
            }
        }
        for key in severityPoints.keys.sorted() where Severity(rawValue: key) == nil {
            out.append(.init(field: "severityPoints.\(key)", kind: .unknownSeverity))
        }
        if maximumTotal != 100 {
            out.append(.init(field: "assetMax+vulnerabilityMax+protectionMax+dataMax", kind: .totalNot100(maximumTotal)))
        }
        if remediationBrackets.isEmpty {
            out.append(.init(field: "remediationBrackets", kind: .missing))
        }
        var previous: Bracket?
        for (i, b) in remediationBrackets.enumerated() {
            range("remediationBrackets[\(i)].withinHours", b.withinHours, 1...10_000)
            range("remediationBrackets[\(i)].points", b.points, 0...100)
            if let p = previous, b.withinHours <= p.withinHours || b.points < p.points {
                out.append(.init(field: "remediationBrackets[\(i)]", kind: .bracketsOutOfOrder))
            }
            previous = b
        }
        if let last = remediationBrackets.last, remediationLatePoints < last.points {
            out.append(.init(field: "remediationLatePoints", kind: .lateBelowBracket))
        }
        return out
    }
}

/// One reason a scoring policy cannot be used, naming the setting.
public struct ScoringPolicyProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case outOfRange(value: Int, range: ClosedRange<Int>)
        case missing
        case unknownSeverity
        case totalNot100(Int)
        case bracketsOutOfOrder
        case lateBelowBracket
    }

    public var field: String
    public var kind: Kind

    public var description: String { message(chinese: false) }

    public func message(chinese: Bool) -> String {
        switch kind {
        case .outOfRange(let v, let r):
            return chinese ? "\(field) 的值 \(v) 超出范围（\(r.lowerBound)–\(r.upperBound)）"
                : "\(field) is \(v), outside \(r.lowerBound)–\(r.upperBound)"
        case .missing:
            return chinese ? "缺少 \(field)" : "\(field) is missing"
        case .unknownSeverity:
            return chinese ? "\(field)：未知的漏洞等级" : "\(field): unknown severity"
        case .totalNot100(let total):
            return chinese ? "四项满分之和应为 100，实际为 \(total)" : "the four part maxima must add up to 100, not \(total)"
        case .bracketsOutOfOrder:
            return chinese ? "\(field)：整改时限须逐级递增，扣分不得递减"
                : "\(field): brackets must have increasing hours and non-decreasing points"
        case .lateBelowBracket:
            return chinese ? "超时扣分不得低于最后一档扣分" : "remediationLatePoints must not be below the last bracket's points"
        }
    }
}
