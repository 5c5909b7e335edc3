import PropertyBased
import Testing
@testable import PatrolCore

/// Properties of the scoring engine over random small campaigns. Each case is built from a seed,
/// so a failure names the seed that reproduces it.
@Suite struct ScoringPropertyTests {
    static let h: EpochMillis = 3_600_000
    static let t0: EpochMillis = 1_652_630_400_000

    static func campaign(seed: UInt64) -> ScoringInput {
        var rng = SeededGenerator(seed: seed)
        let unitCount = Int.random(in: 1...8, using: &rng)
        let units = (0..<unitCount).map { i in
            ScoringInput.Unit(code: "U\(i)", name: "单位\(i)", group: UnitGroup.allCases[Int.random(in: 0..<3, using: &rng)],
                              assets: Int.random(in: 0...5, using: &rng))
        }
        let findings = (0..<Int.random(in: 0...30, using: &rng)).map { i -> ScoringInput.Finding in
            let kind = FindingKind.allCases[Int.random(in: 0..<3, using: &rng)]
            let status = FindingStatus.allCases[Int.random(in: 0..<FindingStatus.allCases.count, using: &rng)]
            let notified: EpochMillis? = status.isNotified || Bool.random(using: &rng)
                ? t0 + EpochMillis.random(in: 0...(96 * h), using: &rng) : nil
            var reports: [ScoringInput.Report] = []
            if let n = notified {
                for _ in 0..<Int.random(in: 0...2, using: &rng) {
                    let result: RetestResult? = [RetestResult.passed, .failed, nil][Int.random(in: 0..<3, using: &rng)]
                    reports.append(.init(submittedAt: n + EpochMillis.random(in: 0...(120 * h), using: &rng), retest: result))
                }
            }
            return ScoringInput.Finding(
                code: "F\(i)", unit: units[Int.random(in: 0..<unitCount, using: &rng)].code, kind: kind,
                severity: kind == .vulnerability ? Severity.allCases[Int.random(in: 0..<4, using: &rng)] : nil,
                weakPassword: Bool.random(using: &rng), sensitiveRecords: [0, 499, 500, 10_000][Int.random(in: 0..<4, using: &rng)],
                status: status, notifiedAt: notified, reports: reports)
        }
        return ScoringInput(policy: .standard, at: t0 + EpochMillis.random(in: 0...(300 * h), using: &rng),
                            units: units, findings: findings)
    }

    @Test func everyTotalAndPartIsWithinItsBounds() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            let sheet = try ScoringEngine.score(Self.campaign(seed: seed))
            for u in sheet.units {
                #expect((Hundredths.zero...Hundredths.points(100)).contains(u.total), "seed \(seed) unit \(u.unit)")
                #expect((Hundredths.zero...Hundredths.points(5)).contains(u.asset))
                #expect((Hundredths.zero...Hundredths.points(55)).contains(u.vulnerability))
                #expect((Hundredths.zero...Hundredths.points(25)).contains(u.protection))
                #expect((Hundredths.zero...Hundredths.points(15)).contains(u.data))
                #expect(u.remediation >= .zero)
                #expect(u.rank >= 1 && u.groupRank >= 1 && u.groupRank <= u.rank)
            }
        }
    }

    @Test func inputOrderNeverChangesTheResult() async {
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            let input = Self.campaign(seed: seed)
            var shuffled = input
            var rng = SeededGenerator(seed: seed ^ 0xA5A5)
            shuffled.units.shuffle(using: &rng)
            shuffled.findings.shuffle(using: &rng)
            for i in shuffled.findings.indices { shuffled.findings[i].reports.shuffle(using: &rng) }
            let a = try ScoringEngine.score(input), b = try ScoringEngine.score(shuffled)
            #expect(a == b, "seed \(seed)")
        }
    }

    @Test func fixingEarlierNeverLowersAScore() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            let input = Self.campaign(seed: seed)
            let before = try ScoringEngine.score(input)
            var rng = SeededGenerator(seed: seed ^ 0x5A5A)
            // Move each passed report of a notified finding earlier, never before its notice.
            var earlier = input
            for i in earlier.findings.indices {
                guard let n = earlier.findings[i].notifiedAt else { continue }
                for j in earlier.findings[i].reports.indices where earlier.findings[i].reports[j].retest == .passed {
                    let at = earlier.findings[i].reports[j].submittedAt
                    earlier.findings[i].reports[j].submittedAt = max(n, at - EpochMillis.random(in: 0...(80 * Self.h), using: &rng))
                }
            }
            let after = try ScoringEngine.score(earlier)
            for u in before.units {
                #expect(after.unit(u.unit)!.total >= u.total, "seed \(seed) unit \(u.unit)")
            }
        }
    }
}
