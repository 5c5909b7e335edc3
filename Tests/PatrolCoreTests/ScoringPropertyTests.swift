import PropertyBased
import Testing
@testable import PatrolCore

/// Properties of the scoring engine (SPEC §5) over random small campaigns built with PropertyBased
/// generators: 1–8 units with 0–5 assets in random groups, 0–30 findings of random kind, status,
/// severity and flags, an optional notice within 96 h of t0 and 0–3 remediation reports (passed,
/// failed or awaiting retest) up to 120 h after it, scored at a random instant up to 300 h after t0.
/// A failure prints the generated input and a `.fixedSeed(...)` to reproduce it.
@Suite struct ScoringEngineProperties {
    static let h: EpochMillis = 3_600_000
    static let t0: EpochMillis = 1_652_630_400_000

    /// A finding before it is attached to a unit (the unit is picked by index modulo the unit count).
    struct FindingDraft: Sendable, CustomStringConvertible {
        var kind: FindingKind
        var status: FindingStatus
        var severity: Severity
        var weakPassword: Bool
        var sensitiveRecords: Int
        var unitIndex: Int
        /// Offset of notifiedAt from t0, nil when never notified.
        var notifiedOffset: EpochMillis?
        /// Offsets of report submissions from notifiedAt (or t0), with their retest results.
        var reports: [(EpochMillis, RetestResult?)]

        var description: String {
            "\(kind)/\(status)/\(severity) weak=\(weakPassword) records=\(sensitiveRecords) unit#\(unitIndex) "
                + "notified=\(notifiedOffset.map { "\($0 / 1000)s" } ?? "nil") reports=\(reports.map { "\($0.0 / 1000)s:\($0.1.map(\.rawValue) ?? "await")" })"
        }
    }

    static let reportGen = zip(Gen.int64(in: 0...(120 * h)), Gen<RetestResult>.case.optional(valueRate: 0.67))
        .map { offset, result in (offset, result) }

    static let findingGen = zip(
        Gen<FindingKind>.case,
        Gen<FindingStatus>.case,
        Gen<Severity>.case,
        Gen.bool,
        Gen.int(in: 0...3).map { [0, 499, 500, 10_000][$0] },
        Gen.int(in: 0...7),
        Gen.int64(in: 0...(96 * h)).optional(valueRate: 0.8),
        reportGen.array(of: 0...3)
    ).map { kind, status, severity, weak, records, unit, notified, reports in
        FindingDraft(kind: kind, status: status, severity: severity, weakPassword: weak, sensitiveRecords: records,
                     unitIndex: unit, notifiedOffset: notified, reports: reports)
    }

    static let unitGen = zip(Gen.int(in: 0...5), Gen<UnitGroup>.case).map { assets, group in (assets, group) }

    /// A whole campaign.
    static let campaignGen = zip(
        unitGen.array(of: 1...8),
        findingGen.array(of: 0...30),
        Gen.int64(in: 0...(300 * h))
    ).map { units, drafts, at in campaign(units: units, drafts: drafts, atOffset: at) }

    static func campaign(units: [(Int, UnitGroup)], drafts: [FindingDraft], atOffset: EpochMillis) -> ScoringInput {
        let units = units.enumerated().map { i, u in
            ScoringInput.Unit(code: "U\(i)", name: "单位\(i)", group: u.1, assets: u.0)
        }
        let findings = drafts.enumerated().map { i, d -> ScoringInput.Finding in
            let notified = d.notifiedOffset.map { t0 + $0 }
            let base = notified ?? t0
            return ScoringInput.Finding(
                code: "F\(i < 10 ? "0" : "")\(i)", unit: units[d.unitIndex % units.count].code, kind: d.kind,
                severity: d.kind == .vulnerability ? d.severity : nil, weakPassword: d.weakPassword,
                sensitiveRecords: d.sensitiveRecords, status: d.status, notifiedAt: notified,
                reports: d.reports.map { .init(submittedAt: base + $0.0, retest: $0.1) })
        }
        return ScoringInput(policy: .standard, at: t0 + atOffset, units: units, findings: findings)
    }

    // MARK: - bounds and internal consistency

    @Test func everyTotalAndPartIsWithinItsBounds() async {
        await propertyCheck(count: 300, input: Self.campaignGen) { input in
            let sheet = try ScoringEngine.score(input)
            #expect(sheet.units.count == input.units.count)
            for u in sheet.units {
                #expect(u.total >= .zero && u.total <= .points(100), "\(u.unit) total \(u.total)")
                #expect(u.asset >= .zero && u.asset <= .points(5), "\(u.unit) asset \(u.asset)")
                #expect(u.vulnerability >= .zero && u.vulnerability <= .points(55), "\(u.unit) vulnerability \(u.vulnerability)")
                #expect(u.protection >= .zero && u.protection <= .points(25), "\(u.unit) protection \(u.protection)")
                #expect(u.data >= .zero && u.data <= .points(15), "\(u.unit) data \(u.data)")
                #expect(u.remediation >= .zero, "\(u.unit) remediation \(u.remediation)")
                // Whole-point parts stay whole.
                #expect(u.asset.value % 100 == 0 && u.protection.value % 100 == 0 && u.data.value % 100 == 0)
                #expect(u.remediation.value % 100 == 0)
            }
        }
    }

    /// Each part recomputed from the unit's own lines and an independent exact formula.
    @Test func partsAgreeWithLinesAndTheFormula() async {
        await propertyCheck(count: 300, input: Self.campaignGen) { input in
            let sheet = try ScoringEngine.score(input)
            // Independent base: the largest points/assets ratio, assets taken as 1 if 0.
            var points: [String: Int] = [:]
            for f in input.findings where f.kind == .vulnerability && f.status.isCounted {
                points[f.unit, default: 0] += ScoringPolicy.standard.points(for: f.severity ?? .low)
            }
            let ratios = input.units.map { Rational(points[$0.code] ?? 0) / Rational(max(1, $0.assets)) }
            let base = ratios.max() ?? .zero
            for (unit, ratio) in zip(input.units, ratios) {
                let s = try #require(sheet.unit(unit.code))
                let lines = s.lines
                func sum(_ part: ScorePart) -> Int { lines.filter { $0.part == part }.reduce(0) { $0 + $1.points } }
                #expect(s.points == (points[unit.code] ?? 0))
                #expect(s.points == sum(.vulnerability))
                #expect(s.asset == .points(max(0, 5 - sum(.asset))))
                #expect(s.protection == .points(max(0, 25 - sum(.protection))))
                #expect(s.data == .points(max(0, 15 - sum(.data))))
                #expect(s.remediation == .points(sum(.remediation)))
                let expected = base == .zero ? Rational(55) : Rational(55) * (Rational.one - ratio / base)
                #expect(s.vulnerability == expected.roundedToHundredths, "\(unit.code): \(s.formula.text)")
                let raw = s.asset + s.vulnerability + s.protection + s.data - s.remediation
                #expect(s.total == max(.zero, raw))
                // Remediation lines only for counted, notified vulnerabilities and intrusions.
                let codes = Set(lines.filter { $0.part == .remediation }.map(\.finding))
                let expectedCodes = Set(input.findings.filter {
                    $0.unit == unit.code && $0.status.isCounted && $0.kind != .assetDiscrepancy && $0.notifiedAt != nil
                }.map(\.code))
                #expect(codes == expectedCodes)
                #expect(s.pendingCount == lines.filter { $0.rule == .pending(withinHours: 72) }.count)
            }
        }
    }

    /// rank = 1 + the number of units with a strictly higher total; groupRank the same within the group;
    /// units ordered by total descending, then code.
    @Test func ranksFollowTotals() async {
        await propertyCheck(count: 300, input: Self.campaignGen) { input in
            let units = try ScoringEngine.score(input).units
            for u in units {
                #expect(u.rank == 1 + units.filter { $0.total > u.total }.count, "\(u.unit)")
                #expect(u.groupRank == 1 + units.filter { $0.group == u.group && $0.total > u.total }.count, "\(u.unit)")
            }
            for (a, b) in zip(units, units.dropFirst()) {
                #expect(a.total > b.total || (a.total == b.total && a.unit < b.unit))
            }
        }
    }

    // MARK: - order independence

    @Test func shufflingUnitsAndFindingsNeverChangesTheResult() async {
        await propertyCheck(count: 300, input: Self.campaignGen, Gen.uint64()) { input, seed in
            var rng = SeededGenerator(seed: seed)
            var shuffled = input
            shuffled.units.shuffle(using: &rng)
            shuffled.findings.shuffle(using: &rng)
            let a = try ScoringEngine.score(input)
            let b = try ScoringEngine.score(shuffled)
            #expect(a == b)
        }
    }

    // MARK: - earlier fixes

    /// Moving a finding's passed report earlier (never before notifiedAt) never lowers that unit's total,
    /// and leaves every other unit untouched (only that unit's remediation part can move).
    @Test func fixingEarlierNeverLowersTheTotal() async {
        await propertyCheck(count: 300, input: Self.campaignGen, Gen.int(in: 0...29), Gen.int64(in: 0...(100 * Self.h))) { input, pick, shift in
            // The first finding from `pick` on (cyclically) that has a notice and a passed report.
            let n = input.findings.count
            guard let i = (0..<n).lazy.map({ (pick + $0) % n }).first(where: {
                input.findings[$0].notifiedAt != nil && input.findings[$0].reports.contains { $0.retest == .passed }
            }) else { return }
            let f = input.findings[i]
            let notified = f.notifiedAt!
            var earlier = input
            for j in f.reports.indices where f.reports[j].retest == .passed {
                let at = f.reports[j].submittedAt
                earlier.findings[i].reports[j].submittedAt = max(min(notified, at), at - shift)
            }
            let before = try ScoringEngine.score(input)
            let after = try ScoringEngine.score(earlier)
            let b = try #require(before.unit(f.unit)), a = try #require(after.unit(f.unit))
            #expect(a.total >= b.total, "\(f.code) of \(f.unit): \(b.total) → \(a.total)")
            #expect(a.remediation <= b.remediation)
            // Nothing but the remediation part of that unit can change.
            for x in before.units where x.unit != f.unit {
                #expect(after.unit(x.unit)?.total == x.total, "\(x.unit)")
            }
        }
    }

    /// The same thing checked deterministically on every finding: fixing earlier at every bracket edge.
    @Test func fixingEarlierAcrossEveryBracketEdge() async {
        await propertyCheck(count: 100, input: Self.campaignGen) { input in
            let edges: [EpochMillis] = [0, 24 * Self.h, 24 * Self.h + 1, 48 * Self.h, 48 * Self.h + 1,
                                        72 * Self.h, 72 * Self.h + 1, 200 * Self.h]
            for i in input.findings.indices {
                guard let n = input.findings[i].notifiedAt, input.findings[i].status.isCounted,
                      input.findings[i].kind != .assetDiscrepancy else { continue }
                var previous: Hundredths?
                for edge in edges.reversed() {  // later fix first, then ever earlier
                    var x = input
                    x.findings[i].reports = [.init(submittedAt: n + edge, retest: .passed)]
                    let total = try #require(try ScoringEngine.score(x).unit(x.findings[i].unit)).total
                    if let p = previous { #expect(total >= p, "finding \(i) fixed at +\(edge) ms") }
                    previous = total
                }
            }
        }
    }
}
