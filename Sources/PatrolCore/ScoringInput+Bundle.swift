import Foundation

extension EpochMillis {
    /// A time as whole milliseconds since 1970. Foundation keeps `Date` as a Double; this is the one
    /// place it is converted, at the edge of the scoring path, exact for any time with millisecond precision.
    public init(_ date: Date) {
        self = EpochMillis((date.timeIntervalSince1970 * 1000).rounded())
    }
}

extension Date {
    /// The time `millis` milliseconds after 1970 (for display; scoring stays in integers).
    public init(epochMillis millis: EpochMillis) {
        self.init(timeIntervalSince1970: TimeInterval(millis) / 1000)
    }
}

extension ScoringInput {
    /// Scores a checked bundle as it stands: every unit of the bundle, assets counted per unit,
    /// the bundle's `scoredAt` (or `now`) as the scoring instant unless `at` is given.
    public init(bundle: CheckedBundle, at: Date? = nil, now: Date = Date()) {
        var assetCounts: [String: Int] = [:]
        for a in bundle.assets { assetCounts[a.unit, default: 0] += 1 }
        let units = bundle.units.map {
            Unit(code: $0.code, name: $0.name, group: $0.group, assets: assetCounts[$0.code] ?? 0)
        }
        let findings = bundle.findings.map { f in
            Finding(code: f.code, unit: f.unit, kind: f.kind, severity: f.severity, weakPassword: f.weakPassword,
                    sensitiveRecords: f.sensitiveRecords, status: f.status, notifiedAt: f.notifiedAt.map(EpochMillis.init),
                    reports: f.remediations.map { Report(submittedAt: EpochMillis($0.submittedAt), retest: $0.retest) })
        }
        self.init(policy: bundle.campaign.scoringPolicy, at: EpochMillis(at ?? bundle.campaign.scoredAt ?? now),
                  units: units, findings: findings)
    }
}
