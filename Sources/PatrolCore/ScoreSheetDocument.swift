import Foundation

/// The JSON form of a score sheet (SPEC §7): `{"campaign", "scoredAt", "units": [...]}`, every score a
/// string with exactly two decimals. `patrol score --format json` and the scores API both write it.
public struct ScoreSheetDocument: Codable, Sendable, Equatable {
    public struct Line: Codable, Sendable, Equatable {
        public var finding: String
        public var part: String
        public var rule: String
        /// Points deducted from the part; for `vulnerability.*` lines the points the finding adds.
        public var points: Hundredths
        /// Remediation lines: fix time (or the scoring instant) − notifiedAt, in whole seconds.
        public var elapsedSeconds: Int64?
        public var awaitingRetest: Bool?
    }

    public struct Row: Codable, Sendable, Equatable {
        public var unit: String
        public var name: String
        public var group: String
        public var assets: Int
        public var points: Int
        public var asset: Hundredths
        public var vulnerability: Hundredths
        public var protection: Hundredths
        public var data: Hundredths
        public var remediation: Hundredths
        public var total: Hundredths
        public var rank: Int
        public var groupRank: Int
        public var pending: Int
        public var formula: String
        public var deductions: [Line]
    }

    public var campaign: String
    public var scoredAt: String
    public var units: [Row]

    public init(campaign: String, sheet: ScoreSheet, timeZone: TimeZone) {
        self.campaign = campaign
        self.scoredAt = BundleDate.format(Date(epochMillis: sheet.at), in: timeZone)
        self.units = sheet.units.map(Row.init)
    }

    public func encoded() -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain values cannot fail.
        return (try? e.encode(self)) ?? Data()
    }
}

extension ScoreSheetDocument.Row {
    public init(_ s: UnitScore) {
        self.init(unit: s.unit, name: s.name, group: s.group.rawValue, assets: s.assets, points: s.points,
                  asset: s.asset, vulnerability: s.vulnerability, protection: s.protection, data: s.data,
                  remediation: s.remediation, total: s.total, rank: s.rank, groupRank: s.groupRank,
                  pending: s.pendingCount, formula: s.formula.text,
                  deductions: s.lines.map(ScoreSheetDocument.Line.init))
    }
}

extension ScoreSheetDocument.Line {
    public init(_ l: ScoreLine) {
        self.init(finding: l.finding, part: l.part.rawValue, rule: l.rule.code, points: .points(l.points),
                  elapsedSeconds: l.elapsedMillis.map { $0 >= 0 ? $0 / 1000 : -((-$0 + 999) / 1000) },
                  awaitingRetest: l.awaitingRetest ? true : nil)
    }
}
