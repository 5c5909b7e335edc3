import Fluent
import PatrolCore
import SQLKit
import XCTVapor
@testable import PatrolServer
@testable import PatrolStore

/// Score cards and the ranking read a memoised sheet (issue 20, item 3): read once per change of
/// the data, scored again when the clock turns a finding unfixed, and never stale after a change
/// made by any path — the lifecycle's models, plain SQL on any scoring table, another campaign's
/// import — on either database.
final class ScoreMemoTests: XCTestCase {
    let context = AuditContext(actorID: nil, actor: "test", clientAddress: "local")

    func load(_ app: Application, scoredAt: Bool = true) async throws {
        var json = ScoreTests.bundle
        if !scoredAt { json = json.replacingOccurrences(of: "\"scoredAt\": \"2022-05-31T00:00:00+08:00\", ", with: "") }
        let checked = try BundleValidator.check(try CampaignBundle.decode(Data(json.utf8)))
        _ = try await BundleImporter.importBundle(checked, replace: false, on: app.db, context: context)
    }

    func total(_ doc: ScoreSheetDocument, _ unit: String) -> String? {
        doc.units.first { $0.unit == unit }?.total.description
    }

    func testASheetIsReadOncePerChangeAndEveryChangeIsSeen() async throws {
        try await withEachDatabase { app, location in
            try await self.load(app)
            let memo = ScoreMemo()
            var campaign = try await Campaign.find(code: "SC1", on: app.db)!
            let fresh = ScoreSheetDocument(campaign: "SC1", sheet: try await ScoringData.sheet(for: campaign, on: app.db),
                                           timeZone: campaign.zone)
            let first = try await memo.document(for: campaign, on: app.db)
            XCTAssertEqual(first.encoded(), fresh.encoded(), "the memo's sheet is the computed sheet")
            for _ in 0..<5 { _ = try await memo.document(for: campaign, on: app.db) }
            var loads = await memo.loads, scorings = await memo.scorings
            XCTAssertEqual(loads, 1, "unchanged data is read once (\(location.redacted))")
            XCTAssertEqual(scorings, 1, "a campaign with a scoring instant is scored once")

            // Through the models, as the lifecycle writes: F2 rejected → A loses the unfixed deduction.
            let f2 = try await Finding.query(on: app.db).filter(\.$code == "F2").first()!
            f2.status = .rejected
            try await f2.save(on: app.db)
            let rejected = try await memo.document(for: campaign, on: app.db)
            XCTAssertEqual(self.total(rejected, "A"), "39.00")
            loads = await memo.loads
            XCTAssertEqual(loads, 2)

            // Plain SQL on each scoring table moves the counter too.
            let sql = app.db as! any SQLDatabase
            let changes: [(SQLQueryString, String, String)] = [
                // F1's passing retest undone: fixed late → unfixed (−5 instead of −1).
                ("UPDATE retests SET result = 'failed' WHERE result = 'passed' AND report_id IN (SELECT r.id FROM remediation_reports r JOIN findings f ON f.id = r.finding_id WHERE f.code = 'F1')", "A", "35.00"),
                // D's discovered asset back to pending review: the count the ratio reads changes.
                ("UPDATE assets SET review = 'pending' WHERE code = 'D-2'", "D", "90.00"),
                // C's discrepancy withdrawn.
                ("DELETE FROM findings WHERE code = 'F4'", "C", "100.00"),
                // B's retest gone: F3 becomes unfixed (−5), against A's 80 points now that F2 is rejected:
                // 5 + 55 × (1 − 20/80) + 25 + 10 − 5 = 76.25.
                ("DELETE FROM retests WHERE report_id IN (SELECT r.id FROM remediation_reports r JOIN findings f ON f.id = r.finding_id WHERE f.code = 'F3')", "B", "76.25"),
            ]
            for (statement, unit, expected) in changes {
                let before = await memo.loads
                try await sql.raw(statement).run()
                let doc = try await memo.document(for: campaign, on: app.db)
                let recomputed = ScoreSheetDocument(campaign: "SC1", sheet: try await ScoringData.sheet(for: campaign, on: app.db),
                                                    timeZone: campaign.zone)
                XCTAssertEqual(doc.encoded(), recomputed.encoded(), "after \(statement)")
                XCTAssertEqual(self.total(doc, unit), expected, "after \(statement)")
                let after = await memo.loads
                XCTAssertEqual(after, before + 1, "after \(statement)")
            }

            // The policy is part of the key: a new policy scores again without a change of data.
            var policy = ScoringPolicy.standard
            policy.unfixedPoints = 4
            campaign.scoringPolicy = policy
            try await campaign.save(on: app.db)
            campaign = try await Campaign.find(code: "SC1", on: app.db)!
            let withPolicy = try await memo.document(for: campaign, on: app.db)
            let policySheet = try await ScoringData.sheet(for: campaign, on: app.db)
            XCTAssertEqual(withPolicy.encoded(), ScoreSheetDocument(campaign: "SC1", sheet: policySheet, timeZone: campaign.zone).encoded())
            XCTAssertNotEqual(withPolicy.encoded(), rejected.encoded())
        }
    }

    func testAProvisionalSheetIsScoredAgainWhenTheClockTurnsAFindingUnfixed() async throws {
        try await withEachDatabase { app, _ in
            try await self.load(app, scoredAt: false)
            let campaign = try await Campaign.find(code: "SC1", on: app.db)!
            XCTAssertNil(campaign.scoredAt)
            // F2 and F6 notified 2 h ago: pending until the 72 h mark.
            let notified = Date().addingTimeInterval(-2 * 3600)
            for code in ["F2", "F6"] {
                let f = try await Finding.query(on: app.db).filter(\.$code == code).first()!
                f.notifiedAt = notified
                try await f.save(on: app.db)
            }
            let memo = ScoreMemo()
            let now = Date()
            let early = try await memo.document(for: campaign, now: now, on: app.db)
            XCTAssertEqual(self.total(early, "D"), "95.00", "F6 pending")
            XCTAssertEqual(early.scoredAt, BundleDate.format(now, in: campaign.zone), "scored at the instant it names")
            // Within the minute: the same sheet.
            let again = try await memo.document(for: campaign, now: now.addingTimeInterval(30), on: app.db)
            XCTAssertEqual(again.scoredAt, early.scoredAt)
            // After the minute: the old sheet once more while it is scored again in the background,
            // then the sheet of the new instant, from the same data.
            let later = now.addingTimeInterval(61)
            let meanwhile = try await memo.document(for: campaign, now: later, on: app.db)
            XCTAssertEqual(meanwhile.scoredAt, early.scoredAt, "no page view waits for the clock")
            await memo.settle()
            let next = try await memo.document(for: campaign, now: later.addingTimeInterval(1), on: app.db)
            XCTAssertEqual(next.scoredAt, BundleDate.format(later, in: campaign.zone))
            // Two minutes on nobody has looked: scored before answering, never older than that.
            let idle = later.addingTimeInterval(150)
            let woke = try await memo.document(for: campaign, now: idle, on: app.db)
            XCTAssertEqual(woke.scoredAt, BundleDate.format(idle, in: campaign.zone))
            // Across the 72 h mark: the deduction appears even though nothing changed in the data.
            let past = notified.addingTimeInterval(72 * 3600 + 1)
            let turned = try await memo.document(for: campaign, now: past, on: app.db)
            XCTAssertEqual(self.total(turned, "D"), "90.00", "F6 unfixed after 72 h")
            let loads = await memo.loads, scorings = await memo.scorings
            XCTAssertEqual(loads, 1, "the data was read once")
            XCTAssertEqual(scorings, 4)
        }
    }

    func testTheScorePagesUseTheApplicationsMemo() async throws {
        try await withEachDatabase { app, _ in
            try await self.load(app)
            try await app.makeUser("m-observer", .observer)
            let observer: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "m-observer", kind: .api))"]
            for path in ["/api/v1/campaigns/SC1/scores", "/api/v1/campaigns/SC1/scores/A", "/api/v1/campaigns/SC1/scores/B"] {
                try await app.test(.GET, path, headers: observer) { res async throws in XCTAssertEqual(res.status, .ok, path) }
            }
            let loads = await app.scoreMemo.loads
            XCTAssertEqual(loads, 1, "three views, one read of the data")
            let f2 = try await Finding.query(on: app.db).filter(\.$code == "F2").first()!
            f2.status = .rejected
            try await f2.save(on: app.db)
            try await app.test(.GET, "/api/v1/campaigns/SC1/scores/A", headers: observer) { res async throws in
                XCTAssertEqual(try res.content.decode(ScoreController.UnitResponse.self).score.total.description, "39.00")
            }
        }
    }
}
