import Foundation
import PatrolCore

/// A deterministic synthetic campaign shaped like a province: units in the three groups, assets
/// spread unevenly (some units with none), findings in every state and kind with remediation history.
enum ProvinceWorkload {
    static func make(units unitCount: Int, assets assetCount: Int, findings findingCount: Int, seed: UInt64) -> ScoringInput {
        var rng = SeededGenerator(seed: seed)
        let groups = UnitGroup.allCases
        var assetsPerUnit = [Int](repeating: 0, count: unitCount)
        for _ in 0..<assetCount { assetsPerUnit[Int.random(in: 0..<unitCount, using: &rng) % max(1, unitCount - unitCount / 50)] += 1 }
        let units = (0..<unitCount).map { i in
            ScoringInput.Unit(code: String(format: "U%05d", i), name: "单位\(i)", group: groups[i % 3], assets: assetsPerUnit[i])
        }
        let hour: EpochMillis = 3_600_000
        let start: EpochMillis = 1_652_630_400_000  // 2022-05-16T00:00:00+08:00
        let statuses: [FindingStatus] = [.closed, .closed, .closed, .closed, .remediated, .notified, .verified, .submitted, .submitted,
                                         .rejected, .rejected, .rejected, .duplicate, .duplicate]
        var findings: [ScoringInput.Finding] = []
        findings.reserveCapacity(findingCount)
        for i in 0..<findingCount {
            let kindRoll = Int.random(in: 0..<100, using: &rng)
            let kind: FindingKind = kindRoll < 85 ? .vulnerability : (kindRoll < 92 ? .intrusion : .assetDiscrepancy)
            let status = statuses[Int.random(in: 0..<statuses.count, using: &rng)]
            let notified: EpochMillis? = status.isNotified ? start + EpochMillis.random(in: 0...(100 * hour), using: &rng) : nil
            var reports: [ScoringInput.Report] = []
            if let n = notified, status == .closed || status == .remediated {
                if Bool.random(using: &rng) { reports.append(.init(submittedAt: n + EpochMillis.random(in: 0...(40 * hour), using: &rng), retest: .failed)) }
                let last = (reports.last?.submittedAt ?? n) + EpochMillis.random(in: 0...(60 * hour), using: &rng)
                reports.append(.init(submittedAt: last, retest: status == .closed ? .passed : nil))
            }
            // Skewed towards low unit numbers: a few units hold many findings, most hold a handful.
            let a = Int.random(in: 0..<unitCount, using: &rng)
            let b = Int.random(in: 0...a, using: &rng)
            let owner = Int.random(in: 0...b, using: &rng)
            findings.append(ScoringInput.Finding(
                code: String(format: "F%07d", i), unit: units[owner].code, kind: kind,
                severity: kind == .vulnerability ? Severity.allCases[Int.random(in: 0..<4, using: &rng)] : nil,
                weakPassword: kind == .vulnerability && Int.random(in: 0..<10, using: &rng) == 0,
                sensitiveRecords: Int.random(in: 0..<20, using: &rng) == 0 ? Int.random(in: 0...5_000, using: &rng) : 0,
                status: status, notifiedAt: notified, reports: reports))
        }
        return ScoringInput(policy: .standard, at: start + 15 * 24 * hour, units: units, findings: findings)
    }
}
