import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// "可能重复" is the reviewers' triage hint: the findings list shows it to them, never to the unit.
final class DuplicateHintTests: XCTestCase {
    func testPossibleDuplicateIsShownToReviewersNotToTheUnit() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            try await app.makeUser("rv1", .reviewer)
            try await app.makeUser("li1", .liaison, unit: "D01")
            let d01 = try await PatrolStore.Unit.query(on: app.db).filter(\.$code == "D01").first()!
            let notified = try await Finding.query(on: app.db).filter(\.$unit.$id == d01.requireID())
                .filter(\.$status ~~ [.notified, .remediated, .closed]).sort(\.$code).all()
            XCTAssertGreaterThanOrEqual(notified.count, 2, "the demo notifies D01 of several findings")
            // Two of the unit's notified findings on the same asset and type: possible duplicates.
            notified[1].$asset.id = notified[0].$asset.id
            notified[1].type = notified[0].type
            notified[1].kind = notified[0].kind
            if notified[0].$asset.id == nil { notified[0].url = "https://dup.example.gov.cn/"; notified[1].url = notified[0].url }
            try await notified[0].save(on: app.db)
            try await notified[1].save(on: app.db)
            for (user, shown) in [("rv1", true), ("li1", false)] {
                let headers: HTTPHeaders = ["Cookie": "patrol_session=\(try await app.token(for: user, kind: .web))"]
                try await app.test(.GET, "/campaigns/CZ2022/findings?unit=D01", headers: headers) { res async throws in
                    XCTAssertEqual(res.status, .ok)
                    XCTAssertTrue(res.body.string.contains(notified[1].code), "\(user) sees the finding")
                    XCTAssertEqual(res.body.string.contains("可能重复"), shown, user)
                }
            }
        }
    }
}
