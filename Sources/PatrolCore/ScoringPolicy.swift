/// Every number of the scoring standard (SPEC §5) as data, stored per campaign. The defaults are
/// 《"网安2022"常州行动被检测单位评分标准》. The engine that applies them arrives with the scoring issue.
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
}
