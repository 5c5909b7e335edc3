import XCTest
@testable import PatrolCore

/// Hand-computed cases for every rule and boundary of SPEC §5 (default policy).
final class ScoringStandardTests: XCTestCase {
    static let h: EpochMillis = 3_600_000
    static let s: EpochMillis = 1_000
    static let t0: EpochMillis = 1_652_630_400_000  // 2022-05-16T00:00:00+08:00

    typealias F = ScoringInput.Finding

    func unit(_ code: String, _ group: UnitGroup = .district, assets: Int = 1) -> ScoringInput.Unit {
        .init(code: code, name: "单位\(code)", group: group, assets: assets)
    }

    func score(_ units: [ScoringInput.Unit], _ findings: [F], at: EpochMillis = t0 + 1000 * h,
               policy: ScoringPolicy = .standard) throws -> ScoreSheet {
        try ScoringEngine.score(ScoringInput(policy: policy, at: at, units: units, findings: findings))
    }

    /// A vulnerability of unit A notified at t0 and fixed (passed report) `after` later.
    func fixed(after: EpochMillis, code: String = "F1", severity: Severity = .medium) -> F {
        F(code: code, unit: "A", kind: .vulnerability, severity: severity, status: .closed, notifiedAt: Self.t0,
          reports: [.init(submittedAt: Self.t0 + after, retest: .passed)])
    }

    func remediation(_ f: F, at: EpochMillis = t0 + 1000 * h) throws -> (String, String) {
        let u = try score([unit("A")], [f], at: at).unit("A")!
        let line = u.lines.first { $0.part == .remediation }!
        return (line.rule.code, u.remediation.description)
    }

    // MARK: remediation brackets from notifiedAt to the fix time

    func testRemediationBracketBoundaries() throws {
        let h = Self.h, s = Self.s
        XCTAssertEqual(try remediation(fixed(after: 24 * h)).1, "0.00")          // exactly 24 h: 0
        XCTAssertEqual(try remediation(fixed(after: 24 * h)).0, "remediation.within24h")
        XCTAssertEqual(try remediation(fixed(after: 24 * h + s)).1, "1.00")      // 24 h + 1 s: 1
        XCTAssertEqual(try remediation(fixed(after: 48 * h)).1, "1.00")          // exactly 48 h: 1
        XCTAssertEqual(try remediation(fixed(after: 48 * h + s)).1, "2.00")      // 48 h + 1 s: 2
        XCTAssertEqual(try remediation(fixed(after: 72 * h)).1, "2.00")          // exactly 72 h: 2
        XCTAssertEqual(try remediation(fixed(after: 72 * h + s)).0, "remediation.late")
        XCTAssertEqual(try remediation(fixed(after: 72 * h + s)).1, "5.00")      // 72 h + 1 s: 5
        XCTAssertEqual(try remediation(fixed(after: 0)).1, "0.00")
    }

    func testUnfixedCountsOnlyAfterTheMark() throws {
        let notified = F(code: "F1", unit: "A", kind: .vulnerability, severity: .high, status: .notified, notifiedAt: Self.t0)
        // Exactly 72 h at the scoring instant: pending, nothing deducted.
        let atMark = try remediation(notified, at: Self.t0 + 72 * Self.h)
        XCTAssertEqual(atMark.0, "remediation.pending")
        XCTAssertEqual(atMark.1, "0.00")
        // 72 h + 1 s: 5.
        let after = try remediation(notified, at: Self.t0 + 72 * Self.h + Self.s)
        XCTAssertEqual(after.0, "remediation.unfixed")
        XCTAssertEqual(after.1, "5.00")
        let sheet = try score([unit("A")], [notified], at: Self.t0 + 10 * Self.h)
        XCTAssertEqual(sheet.unit("A")!.pendingCount, 1)
    }

    func testReportAwaitingRetestIsStillUnfixed() throws {
        let f = F(code: "F1", unit: "A", kind: .vulnerability, severity: .high, status: .remediated, notifiedAt: Self.t0,
                  reports: [.init(submittedAt: Self.t0 + Self.h, retest: nil)])
        let u = try score([unit("A")], [f]).unit("A")!
        let line = u.lines.first { $0.part == .remediation }!
        XCTAssertEqual(line.rule.code, "remediation.unfixed")
        XCTAssertTrue(line.awaitingRetest)
        XCTAssertEqual(u.remediation.description, "5.00")
    }

    func testFailedThenPassedUsesThePassedReportsTime() throws {
        // Failed at 10 h, passed report submitted at 30 h → fix time 30 h → bracket 48 h: 1.
        let f = F(code: "F1", unit: "A", kind: .vulnerability, severity: .high, status: .closed, notifiedAt: Self.t0,
                  reports: [.init(submittedAt: Self.t0 + 10 * Self.h, retest: .failed),
                            .init(submittedAt: Self.t0 + 30 * Self.h, retest: .passed)])
        XCTAssertEqual(try remediation(f).1, "1.00")
        XCTAssertEqual(f.fixedAt, Self.t0 + 30 * Self.h)
    }

    // MARK: vulnerability part, exact and half-up

    func testHalfUpRoundingIsExact() throws {
        // A: 160 points / 1 asset is the base; B: 20 / 1 → 55 × (1 − 20/160) = 48.125 → 48.13.
        let findings = [F(code: "F1", unit: "A", kind: .vulnerability, severity: .high, status: .verified),
                        F(code: "F2", unit: "A", kind: .vulnerability, severity: .critical, status: .verified),
                        F(code: "F3", unit: "B", kind: .vulnerability, severity: .medium, status: .verified)]
        let sheet = try score([unit("A"), unit("B")], findings)
        let b = sheet.unit("B")!
        XCTAssertEqual(b.vulnerability.description, "48.13")
        XCTAssertEqual(b.formula.text, "55 × (1 − (20/1) ÷ (160/1)) = 48.125 → 48.13")
        XCTAssertEqual(sheet.unit("A")!.vulnerability.description, "0.00")

        // 30 points vs a base of 80 per asset: 55 × (1 − 30/80) = 34.375 → 34.38.
        // C has 3 assets and 90 points (ratio 30); D has 1 asset and 80 points (ratio 80, the base).
        var policy = ScoringPolicy.standard
        policy.severityPoints["medium"] = 30
        let more = [F(code: "G1", unit: "C", kind: .vulnerability, severity: .medium, status: .verified),
                    F(code: "G2", unit: "C", kind: .vulnerability, severity: .medium, status: .verified),
                    F(code: "G3", unit: "C", kind: .vulnerability, severity: .medium, status: .verified),
                    F(code: "G4", unit: "D", kind: .vulnerability, severity: .high, status: .verified)]
        let c = try score([unit("C", assets: 3), unit("D")], more, policy: policy).unit("C")!
        XCTAssertEqual(c.vulnerability.description, "34.38")
        XCTAssertEqual(c.formula.text, "55 × (1 − (90/3) ÷ (80/1)) = 34.375 → 34.38")
    }

    func testRationalRounding() {
        XCTAssertEqual(Rational(48125, 1000).roundedToHundredths.description, "48.13")
        XCTAssertEqual(Rational(34375, 1000).roundedToHundredths.description, "34.38")
        XCTAssertEqual(Rational(110, 3).roundedToHundredths.description, "36.67")
        XCTAssertEqual(Rational(1, 200).roundedToHundredths.description, "0.01")   // 0.005 → 0.01
        XCTAssertEqual(Rational(1, 201).roundedToHundredths.description, "0.00")
        XCTAssertEqual(Rational(-1, 200).roundedToHundredths.description, "-0.01") // halves away from zero
        XCTAssertEqual(Rational(110, 3).decimalText(), "36.666666…")
        XCTAssertEqual(Rational(385, 8).decimalText(), "48.125")
        XCTAssertEqual(Rational(6, 4).description, "3/2")
    }

    func testZeroAssetsCountAsOne() throws {
        // A has no assets and 80 points: ratio 80/1 is the base; B 80 points over 2 assets: 55 × (1 − 40/80) = 27.50.
        let f = [F(code: "F1", unit: "A", kind: .vulnerability, severity: .high, status: .verified),
                 F(code: "F2", unit: "B", kind: .vulnerability, severity: .critical, status: .verified)]
        let sheet = try score([unit("A", assets: 0), unit("B", assets: 2)], f)
        XCTAssertEqual(sheet.unit("A")!.assets, 0)
        XCTAssertEqual(sheet.unit("A")!.vulnerability.description, "0.00")
        XCTAssertEqual(sheet.unit("B")!.vulnerability.description, "27.50")
        XCTAssertEqual(sheet.unit("B")!.formula.text, "55 × (1 − (80/2) ÷ (80/1)) = 27.5 → 27.50")
    }

    func testNoVulnerabilityAnywhereGivesEveryone55() throws {
        let f = [F(code: "F1", unit: "A", kind: .vulnerability, severity: .low, status: .closed)]
        let sheet = try score([unit("A"), unit("B", .regulator, assets: 0)], f)
        for u in sheet.units {
            XCTAssertEqual(u.vulnerability.description, "55.00")
            XCTAssertEqual(u.total.description, "100.00")
            XCTAssertEqual(u.rank, 1)
        }
        XCTAssertEqual(sheet.unit("A")!.points, 0, "low severity adds 0 points")
        XCTAssertEqual(sheet.unit("A")!.lines.map(\.rule.code), ["vulnerability.low"])
    }

    func testSeverityPoints() throws {
        let f = [F(code: "F1", unit: "A", kind: .vulnerability, severity: .critical, status: .verified),
                 F(code: "F2", unit: "A", kind: .vulnerability, severity: .high, status: .verified),
                 F(code: "F3", unit: "A", kind: .vulnerability, severity: .medium, status: .verified),
                 F(code: "F4", unit: "A", kind: .vulnerability, severity: .low, status: .verified)]
        XCTAssertEqual(try score([unit("A")], f).unit("A")!.points, 180)
    }

    // MARK: floors

    func testEveryPartIsFlooredAtZero() throws {
        var f: [F] = []
        for i in 0..<6 { f.append(F(code: "D\(i)", unit: "A", kind: .assetDiscrepancy, status: .verified)) }
        for i in 0..<6 { f.append(F(code: "I\(i)", unit: "A", kind: .intrusion, status: .verified)) }
        for i in 0..<4 {
            f.append(F(code: "S\(i)", unit: "A", kind: .vulnerability, severity: .low, sensitiveRecords: 10_000, status: .verified))
        }
        let a = try score([unit("A")], f).unit("A")!
        XCTAssertEqual(a.asset.description, "0.00")       // 5 − 6 → 0
        XCTAssertEqual(a.protection.description, "0.00")  // 25 − 30 → 0
        XCTAssertEqual(a.data.description, "0.00")        // 15 − 20 → 0
        XCTAssertEqual(a.total.description, "55.00")

        // Total floored at 0: 20 notified high vulnerabilities never fixed → remediation 100.
        var late: [F] = []
        for i in 0..<20 {
            late.append(F(code: "L\(i)", unit: "B", kind: .vulnerability, severity: .high, status: .notified, notifiedAt: Self.t0))
        }
        let b = try score([unit("B"), unit("C")], late).unit("B")!
        XCTAssertEqual(b.remediation.description, "100.00")
        XCTAssertEqual(b.total.description, "0.00")
    }

    // MARK: flags and counted states

    func testSensitiveRecordsThreshold() throws {
        let f499 = F(code: "F1", unit: "A", kind: .vulnerability, severity: .low, sensitiveRecords: 499, status: .verified)
        let f500 = F(code: "F1", unit: "A", kind: .vulnerability, severity: .low, sensitiveRecords: 500, status: .verified)
        XCTAssertEqual(try score([unit("A")], [f499]).unit("A")!.data.description, "15.00")
        XCTAssertEqual(try score([unit("A")], [f500]).unit("A")!.data.description, "10.00")
    }

    func testWeakPasswordCountsInVulnerabilitiesAndProtection() throws {
        let f = [F(code: "F1", unit: "A", kind: .vulnerability, severity: .high, weakPassword: true, status: .verified)]
        let sheet = try score([unit("A"), unit("B")], f)
        let a = sheet.unit("A")!
        XCTAssertEqual(a.points, 80)
        XCTAssertEqual(a.vulnerability.description, "0.00")
        XCTAssertEqual(a.protection.description, "20.00")
        XCTAssertEqual(a.lines.map(\.rule.code), ["vulnerability.high", "protection.weakPassword"])
        XCTAssertEqual(a.total.description, "40.00")
    }

    func testOnlyVerifiedOrLaterFindingsCount() throws {
        for status in [FindingStatus.submitted, .needInfo, .rejected, .duplicate] {
            let f = [F(code: "F1", unit: "A", kind: .vulnerability, severity: .critical, weakPassword: true,
                       sensitiveRecords: 900, status: status, notifiedAt: Self.t0),
                     F(code: "F2", unit: "A", kind: .intrusion, status: status),
                     F(code: "F3", unit: "A", kind: .assetDiscrepancy, status: status)]
            let a = try score([unit("A")], f).unit("A")!
            XCTAssertEqual(a.total.description, "100.00", status.rawValue)
            XCTAssertTrue(a.lines.isEmpty, status.rawValue)
        }
        // Verified counts, but has no remediation line until it is notified.
        let verified = F(code: "F1", unit: "A", kind: .vulnerability, severity: .high, status: .verified)
        let a = try score([unit("A")], [verified]).unit("A")!
        XCTAssertEqual(a.points, 80)
        XCTAssertFalse(a.lines.contains { $0.part == .remediation })
    }

    func testAssetDiscrepanciesHaveNoRemediationLine() throws {
        let f = F(code: "F1", unit: "A", kind: .assetDiscrepancy, status: .notified, notifiedAt: Self.t0)
        let a = try score([unit("A")], [f]).unit("A")!
        XCTAssertEqual(a.lines.map(\.rule.code), ["asset.discrepancy"])
        XCTAssertEqual(a.total.description, "99.00")
    }

    func testIntrusionIsRemediatedLikeAVulnerability() throws {
        let f = F(code: "F1", unit: "A", kind: .intrusion, status: .closed, notifiedAt: Self.t0,
                  reports: [.init(submittedAt: Self.t0 + 50 * Self.h, retest: .passed)])
        let a = try score([unit("A")], [f]).unit("A")!
        XCTAssertEqual(a.lines.map(\.rule.code), ["protection.intrusion", "remediation.within72h"])
        XCTAssertEqual(a.total.description, "93.00")  // 5 + 55 + 20 + 15 − 2
    }

    // MARK: ranks

    func testTiesShareARank() throws {
        // Totals 100, 99, 99, 98 → ranks 1, 2, 2, 4; groups: A, B district; C, D regulator.
        let f = [F(code: "F1", unit: "B", kind: .assetDiscrepancy, status: .verified),
                 F(code: "F2", unit: "C", kind: .assetDiscrepancy, status: .verified),
                 F(code: "F3", unit: "D", kind: .assetDiscrepancy, status: .verified),
                 F(code: "F4", unit: "D", kind: .assetDiscrepancy, status: .verified)]
        let sheet = try score([unit("D", .regulator), unit("C", .regulator), unit("B"), unit("A")], f)
        XCTAssertEqual(sheet.units.map(\.unit), ["A", "B", "C", "D"])
        XCTAssertEqual(sheet.units.map(\.rank), [1, 2, 2, 4])
        XCTAssertEqual(sheet.units.map(\.groupRank), [1, 2, 1, 2])
    }

    // MARK: errors and values

    func testErrors() throws {
        XCTAssertThrowsError(try score([unit("A")], [F(code: "F1", unit: "NOPE", kind: .intrusion, status: .verified)])) {
            XCTAssertEqual($0 as? ScoringError, .unknownUnit(finding: "F1", unit: "NOPE"))
        }
        var policy = ScoringPolicy.standard
        policy.assetMax = 10
        XCTAssertThrowsError(try score([unit("A")], [], policy: policy)) {
            guard case .invalidPolicy(let problems) = $0 as? ScoringError else { return XCTFail("\($0)") }
            XCTAssertEqual(problems.map(\.field), ["assetMax+vulnerabilityMax+protectionMax+dataMax"])
        }
        XCTAssertEqual(ScoringPolicy.standard.problems(), [])
        policy = .standard
        policy.remediationBrackets = [.init(withinHours: 48, points: 1), .init(withinHours: 24, points: 0)]
        XCTAssertEqual(policy.problems().map(\.field), ["remediationBrackets[1]"])
        policy = .standard
        policy.severityPoints["urgent"] = 5
        policy.severityPoints["low"] = nil
        XCTAssertEqual(Set(policy.problems().map(\.field)), ["severityPoints.low", "severityPoints.urgent"])
    }

    func testHundredths() {
        XCTAssertEqual(Hundredths(parsing: "0.5")?.description, "0.50")
        XCTAssertEqual(Hundredths(parsing: "55")?.description, "55.00")
        XCTAssertEqual(Hundredths(parsing: "-1.5")?.description, "-1.50")
        XCTAssertEqual(Hundredths(4813).description, "48.13")
        XCTAssertEqual(Hundredths(-5).description, "-0.05")
        XCTAssertNil(Hundredths(parsing: "1.234"))
        XCTAssertNil(Hundredths(parsing: "abc"))
        XCTAssertNil(Hundredths(parsing: ""))
    }

    func testTerminalWidthCountsChineseAsTwoColumns() {
        XCTAssertEqual(TerminalWidth.of("溧阳市"), 6)
        XCTAssertEqual(TerminalWidth.of("D01"), 3)
        XCTAssertEqual(TerminalWidth.pad("市委办", to: 8), "市委办  ")
        XCTAssertEqual(TerminalWidth.pad("5.00", to: 6, leading: true), "  5.00")
    }
}
