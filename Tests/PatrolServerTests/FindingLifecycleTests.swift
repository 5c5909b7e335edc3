import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// The finding lifecycle as a service, with no HTTP: a caller such as the command line or an
/// importer submits, reviews and notifies through `FindingLifecycle` with the same rules as the API.
final class FindingLifecycleTests: XCTestCase {
    func lifecycle(_ app: Application, _ username: String, now: @escaping @Sendable () -> Date = { Date() }) async throws -> FindingLifecycle {
        let user = try await User.query(on: app.db).filter(\.$username == username).first()!
        return FindingLifecycle(db: app.db, actor: user.actor!, audit: AuditContext(actorID: user.id, actor: username, clientAddress: "test"),
                                now: now)
    }

    func testSubmitReviewAndNotifyWithoutHTTP() async throws {
        try await withEachDatabase { app, _ in
            // setup
            let campaign = try await app.loadRunningDemoCampaign()
            try await app.makeUser("l-tester", .tester, team: "T01")
            try await app.makeUser("l-reviewer", .reviewer)
            try await app.makeUser("l-admin", .admin)
            let tester = try await self.lifecycle(app, "l-tester")
            let reviewer = try await self.lifecycle(app, "l-reviewer")
            let draft = FindingDraft(unit: "D01", asset: "D01-1", kind: "vulnerability", severity: "high", type: "sqlInjection",
                                     title: "登录接口SQL注入")

            // MUT
            let f = try await tester.submit(draft, in: campaign)
            try await reviewer.review(f, ReviewDraft(decision: "verify", severity: "critical"), in: campaign)
            let (notice, unit, codes) = try await self.lifecycle(app, "l-admin").issueNotice(NoticeDraft(unit: "D01", findings: [f.code]),
                                                                                            in: campaign)

            // validate
            let stored = try await Finding.query(on: app.db).filter(\.$code == f.code).filter(\.$campaign.$id == campaign.requireID()).first()!
            XCTAssertEqual(stored.status, .notified)
            XCTAssertEqual(stored.severity, .critical)
            XCTAssertEqual(unit, "D01")
            XCTAssertEqual(codes, [f.code])
            // One SMS per liaison phone of the unit, in the notice's transaction.
            let d01 = try await PatrolStore.Unit.query(on: app.db).filter(\.$code == "D01").with(\.$liaisons).first()!
            let sms = try await SMSMessage.query(on: app.db).filter(\.$event == "notice").all()
            XCTAssertFalse(d01.liaisons.isEmpty)
            XCTAssertEqual(Set(sms.map(\.phone)), Set(d01.liaisons.map(\.phone)))
            XCTAssertTrue(sms.allSatisfy { $0.body.contains(notice.code) })
            let actions = try await AuditEvent.query(on: app.db).filter(\.$objectID == "CZ2022/\(f.code)").all().map(\.action)
            XCTAssertEqual(Set(actions), ["finding.submit", "finding.review"])

            // The reviewer may not submit, the tester may not review: the policy, not the caller, decides.
            do {
                _ = try await reviewer.submit(draft, in: campaign)
                XCTFail("a reviewer submitted a finding")
            } catch let error as PatrolError { XCTAssertEqual(error.status, .forbidden) }
            do {
                try await tester.review(stored, ReviewDraft(decision: "reject", note: "x"), in: campaign)
                XCTFail("a tester reviewed a finding")
            } catch let error as PatrolError { XCTAssertEqual(error.status, .forbidden) }
        }
    }

    func testTheClockDecidesTheWindow() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            let campaign = try await Campaign.find(code: "CZ2022", on: app.db)!
            campaign.state = .running
            try await campaign.save(on: app.db)
            try await app.makeUser("w-tester", .tester, team: "T01")
            let draft = FindingDraft(unit: "D01", asset: "D01-1", kind: "vulnerability", severity: "low", title: "目录遍历")
            // The demo's window is in May 2022: a clock inside it admits the finding, today's refuses it.
            let inside = campaign.startsAt.addingTimeInterval(60)
            let f = try await self.lifecycle(app, "w-tester", now: { inside }).submit(draft, in: campaign)
            XCTAssertEqual(f.submittedAt, inside)
            do {
                _ = try await self.lifecycle(app, "w-tester").submit(draft, in: campaign)
                XCTFail("submitted after the window")
            } catch let error as PatrolError { XCTAssertEqual(error.code, "window_closed") }
        }
    }
}
