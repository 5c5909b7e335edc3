import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// A liaison's declaration waits for the organiser's review and is out of the gateway's scope
/// until approved; a rejection carries a reason the liaison reads; a correction is reviewed again.
final class AssetReviewTests: XCTestCase {
    func testDeclarationIsPendingUntilApprovedAndOnlyApprovedAssetsAreInScope() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            let campaign = try await Campaign.query(on: app.db).filter(\.$code == "CZ2022").first()!
            campaign.state = .draft
            try await campaign.save(on: app.db)
            try await app.makeUser("li1", .liaison, unit: "D01")
            try await app.makeUser("rv1", .reviewer)
            try await app.makeUser("te1", .tester, team: "T01")
            func api(_ user: String) async throws -> HTTPHeaders { ["Authorization": "Bearer \(try await app.token(for: user, kind: .api))"] }
            let liaison = try await api("li1"), reviewer = try await api("rv1"), tester = try await api("te1")

            var code = ""
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/assets", headers: liaison, beforeRequest: { req async throws in
                try req.content.encode(["unit": "D01", "kind": "domain", "target": "review-test.example.gov.cn"], as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .created, res.body.string)
                let dto = try res.content.decode(AssetDTO.self)
                XCTAssertEqual(dto.review, "pending")
                code = dto.code
            }
            func inScope() async throws -> Bool {
                let scope = try await GatewayDirectory.scopeAssets(campaigns: [campaign.requireID()], on: app.db)
                return scope[try campaign.requireID()]?.contains { $0.code == code } ?? false
            }
            let pendingInScope = try await inScope()
            XCTAssertFalse(pendingInScope, "a pending declaration must not open anything to testers")
            // Testers see the scope they may test: approved assets only.
            try await app.test(.GET, "/api/v1/campaigns/CZ2022/assets?unit=D01", headers: tester) { res async throws in
                XCTAssertFalse(try res.content.decode(APIPage<AssetDTO>.self).items.contains { $0.code == code })
            }
            // Nor does the unit's asset count tell testers of it.
            var counts: [String: Int] = [:]
            for headers in [tester, reviewer] {
                try await app.test(.GET, "/api/v1/campaigns/CZ2022/units/D01", headers: headers) { res async throws in
                    counts[headers.first(name: .authorization) == tester.first(name: .authorization) ? "tester" : "reviewer"] =
                        try res.content.decode(UnitDTO.self).assets
                }
            }
            XCTAssertEqual(counts["reviewer"], (counts["tester"] ?? 0) + 1, "\(counts)")
            // The liaison may not approve their own declaration.
            try await app.test(.PUT, "/api/v1/campaigns/CZ2022/assets/\(code)/review", headers: liaison, beforeRequest: { req async throws in
                try req.content.encode(["decision": "approve"], as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .forbidden) }
            // A rejection without a reason is refused, naming what is missing.
            try await app.test(.PUT, "/api/v1/campaigns/CZ2022/assets/\(code)/review", headers: reviewer, beforeRequest: { req async throws in
                try req.content.encode(["decision": "reject", "reason": "  "], as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.string.contains("reason"), res.body.string)
            }
            try await app.test(.PUT, "/api/v1/campaigns/CZ2022/assets/\(code)/review", headers: reviewer, beforeRequest: { req async throws in
                try req.content.encode(["decision": "reject", "reason": "不属于本单位"], as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .ok, res.body.string)
                XCTAssertEqual(try res.content.decode(AssetDTO.self).review, "rejected")
            }
            let rejectedInScope = try await inScope()
            XCTAssertFalse(rejectedInScope)
            // The liaison reads why, on the unit's page.
            let web = try await app.token(for: "li1", kind: .web)
            try await app.test(.GET, "/campaigns/CZ2022/units/D01", headers: ["Cookie": "patrol_session=\(web)"]) { res async throws in
                XCTAssertTrue(res.body.string.contains("不属于本单位"), res.body.string)
                XCTAssertTrue(res.body.string.contains("已驳回"))
            }
            // A correction goes back to the queue; the reviewer approves it from the queue's form.
            try await app.test(.PATCH, "/api/v1/campaigns/CZ2022/assets/\(code)", headers: liaison, beforeRequest: { req async throws in
                try req.content.encode(["target": "review-test2.example.gov.cn"], as: .json)
            }) { res async throws in
                XCTAssertEqual(try res.content.decode(AssetDTO.self).review, "pending")
                XCTAssertNil(try res.content.decode(AssetDTO.self).reviewReason)
            }
            let reviewerWeb = try await app.token(for: "rv1", kind: .web)
            let cookie: HTTPHeaders = ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(reviewerWeb)"]
            try await app.test(.GET, "/campaigns/CZ2022/assets?review=pending", headers: cookie) { res async throws in
                XCTAssertTrue(res.body.string.contains("review-test2.example.gov.cn"))
                XCTAssertTrue(res.body.string.contains("/campaigns/CZ2022/assets/review"), "the queue offers deciding several at once")
                XCTAssertFalse(res.body.string.contains("D01-1<"), "approved assets are not in the queue")
            }
            try await app.test(.POST, "/campaigns/CZ2022/assets/review", headers: cookie, beforeRequest: { req async throws in
                req.headers.contentType = .urlEncodedForm
                req.body = .init(string: formBody(["decision": "approve"]) + "&assets%5B%5D=\(code)")
            }) { res async throws in
                XCTAssertEqual(res.status, .seeOther, res.body.string)
            }
            let approvedInScope = try await inScope()
            XCTAssertTrue(approvedInScope)
            let asset = try await Asset.query(on: app.db).filter(\.$code == code).first()!
            XCTAssertEqual(asset.review, .approved)
            XCTAssertEqual(asset.reviewedBy, "rv1")
            let audit = try await AuditEvent.query(on: app.db).filter(\.$objectID == "CZ2022/\(code)").all().map(\.action)
            XCTAssertEqual(audit.filter { $0.hasPrefix("asset.") }, ["asset.create", "asset.reject", "asset.update", "asset.approve"])
            // Deciding again changes nothing and writes nothing.
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/assets/review", headers: reviewer, beforeRequest: { req async throws in
                try req.content.encode(AssetReviewDraft(decision: "approve", reason: nil, assets: [code]), as: .json)
            }) { res async throws in
                XCTAssertEqual(try res.content.decode(AssetReviewController.ManyAnswer.self).changed, 0, res.body.string)
            }
            // An unknown code in a batch is named, and nothing of the batch changes.
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/assets/review", headers: reviewer, beforeRequest: { req async throws in
                try req.content.encode(AssetReviewDraft(decision: "reject", reason: "x", assets: [code, "NOPE-9"]), as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.string.contains("NOPE-9"), res.body.string)
            }
            let after = try await Asset.query(on: app.db).filter(\.$code == code).first()?.review
            XCTAssertEqual(after, .approved)
        }
    }

    /// A bundle carries each asset's review; without one an asset is approved (SPEC §2).
    func testBundleKeepsReviewAndDefaultsToApproved() throws {
        var bundle = try JSONDecoder().decode(CampaignBundle.self, from: Data("""
            {"format": "patrol.campaign.v1",
             "campaign": {"code": "RV1", "name": "r", "startsAt": "2022-05-16T00:00:00+08:00", "endsAt": "2022-05-21T00:00:00+08:00"},
             "units": [{"code": "U1", "name": "u", "category": "c", "group": "district"}],
             "assets": [{"code": "U1-1", "unit": "U1", "kind": "domain", "target": "a.example.cn", "origin": "declared"},
                        {"code": "U1-2", "unit": "U1", "kind": "domain", "target": "b.example.cn", "origin": "declared",
                         "review": "rejected", "reviewReason": "wrong"}],
             "teams": [], "findings": []}
            """.utf8))
        let checked = try BundleValidator.check(bundle)
        XCTAssertEqual(checked.assets.map(\.review), [.approved, .rejected])
        XCTAssertEqual(checked.assets[1].reviewReason, "wrong")
        bundle.assets[0].review = "maybe"
        XCTAssertThrowsError(try BundleValidator.check(bundle)) { XCTAssertTrue("\($0)".contains("review"), "\($0)") }
    }
}
