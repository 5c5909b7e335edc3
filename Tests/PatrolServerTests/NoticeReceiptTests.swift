import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// 签收 (issue 21, item 2): the unit's liaison signs for a notice once, with name and time recorded
/// and audited; nobody else can; the organiser sees who signed and which notices are unsigned or
/// late; signing leaves the remediation clock alone.
final class NoticeReceiptTests: XCTestCase {
    func testTheLiaisonSignsOnceAndTheOrganiserSeesIt() async throws {
        try await withEachDatabase(adjust: { $0.publicURL = "https://patrol.example.gov.cn" }) { app, location in
            try await app.loadDemoCampaign()
            let notice = try await Notice.query(on: app.db).with(\.$unit).with(\.$findings).sort(\.$code).first()!
            let other = try await PatrolStore.Unit.query(on: app.db).filter(\.$id != notice.$unit.id).first()!
            try await app.makeUser("r-liaison", .liaison, unit: notice.unit.code)
            try await app.makeUser("r-liaison2", .liaison, unit: notice.unit.code)
            try await app.makeUser("r-stranger", .liaison, unit: other.code)
            try await app.makeUser("r-admin", .admin)
            func web(_ user: String) async throws -> HTTPHeaders {
                ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(try await app.token(for: user, kind: .web))"]
            }
            func api(_ user: String) async throws -> HTTPHeaders {
                ["Authorization": "Bearer \(try await app.token(for: user, kind: .api))"]
            }
            let liaison = try await web("r-liaison"), admin = try await web("r-admin")
            let page = "/campaigns/CZ2022/notices/\(notice.code)"
            let notifiedBefore = notice.findings.map(\.notifiedAt)

            try await app.test(.GET, page, headers: liaison) { res async throws in
                XCTAssertTrue(res.body.string.contains("签收此通报"), "the liaison is offered the button")
                XCTAssertTrue(res.body.string.contains("https://patrol.example.gov.cn/campaigns/CZ2022/notices"),
                              "the notice names the public address, not the listen address")
                XCTAssertFalse(res.body.string.contains("127.0.0.1"))
            }
            try await app.test(.GET, page, headers: admin) { res async throws in
                XCTAssertFalse(res.body.string.contains("签收此通报"), "the organiser does not sign for the unit")
                XCTAssertTrue(res.body.string.contains("未签收"))
            }
            // Nobody but the unit's liaison signs.
            for (user, status) in [("r-stranger", HTTPStatus.notFound), ("r-admin", .forbidden)] {
                try await app.test(.POST, page + "/receipt", headers: try await web(user), beforeRequest: { req async throws in
                    req.headers.contentType = .urlEncodedForm
                    req.body = .init(string: formBody([:]))
                }) { res async throws in XCTAssertEqual(res.status, status, "\(user): \(location.redacted)") }
            }
            // Two liaisons of the unit press at once, ten times: one receipt, one audit event.
            let tokens = [try await api("r-liaison"), try await api("r-liaison2")]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<10 {
                    let headers = tokens[i % 2]
                    group.addTask {
                        try await app.test(.POST, "/api/v1" + page + "/receipt", headers: headers) { res async throws in
                            XCTAssertEqual(res.status, .ok, res.body.string)
                            XCTAssertNotNil(try res.content.decode(NoticeDTO.self).signedAt)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let events = try await AuditEvent.query(on: app.db).filter(\.$action == "notice.sign").all()
            XCTAssertEqual(events.count, 1, "signed once: \(location.redacted)")
            let signed = try await Notice.find(notice.requireID(), on: app.db)!
            XCTAssertNotNil(signed.signedAt)
            XCTAssertTrue(["r-liaison", "r-liaison2"].contains(signed.signedByName ?? ""))
            // Signing again through the page is no error and changes nothing.
            try await app.test(.POST, page + "/receipt", headers: liaison, beforeRequest: { req async throws in
                req.headers.contentType = .urlEncodedForm
                req.body = .init(string: formBody([:]))
            }) { res async throws in XCTAssertEqual(res.status, .seeOther) }
            let again = try await Notice.find(notice.requireID(), on: app.db)!
            XCTAssertEqual(again.signedAt, signed.signedAt)
            let afterEvents = try await AuditEvent.query(on: app.db).filter(\.$action == "notice.sign").count()
            XCTAssertEqual(afterEvents, 1)
            // The clock runs from the notice, as before.
            let findings = try await Finding.query(on: app.db).filter(\.$notice.$id == notice.requireID()).sort(\.$code).all()
            XCTAssertEqual(findings.map(\.notifiedAt), notifiedBefore)

            // The organiser: who signed, on the card; the unsigned filter leaves it out.
            try await app.test(.GET, page, headers: liaison) { res async throws in
                XCTAssertTrue(res.body.string.contains("已签收：\(signed.signedByName!)"))
                XCTAssertFalse(res.body.string.contains("签收此通报"))
            }
            try await app.test(.GET, "/campaigns/CZ2022/notices?q=\(notice.code)", headers: admin) { res async throws in
                XCTAssertTrue(res.body.string.contains("已签收：\(signed.signedByName!)"), location.redacted)
            }
            let unsigned = try await Notice.query(on: app.db).filter(\.$signedAt == nil).count()
            try await app.test(.GET, "/campaigns/CZ2022/notices?receipt=unsigned", headers: admin) { res async throws in
                XCTAssertFalse(res.body.string.contains(">\(notice.code)</a>"), "a signed notice is not unsigned")
                XCTAssertTrue(res.body.string.contains("<span class=\"muted\">\(unsigned)</span>"), "the heading counts the unsigned")
            }
            // The receipt travels with the campaign: export → import → export keeps it.
            let first = try await BundleExporter.export(campaignCode: "CZ2022", on: app.db)
            let exported = try XCTUnwrap((first.notices ?? []).first { $0.code == notice.code })
            XCTAssertEqual(exported.signedBy, signed.signedByName)
            XCTAssertNotNil(exported.signedAt)
            XCTAssertEqual((first.notices ?? []).filter { $0.signedAt != nil }.count, 1, "unsigned notices carry no receipt")
            let context = AuditContext(actorID: nil, actor: "test", clientAddress: "local")
            _ = try await BundleImporter.importBundle(try BundleValidator.check(try CampaignBundle.decode(first.encoded())),
                                                      replace: true, on: app.db, context: context)
            let second = try await BundleExporter.export(campaignCode: "CZ2022", on: app.db)
            let firstText = String(decoding: try first.encoded(), as: UTF8.self)
            let secondText = String(decoding: try second.encoded(), as: UTF8.self)
            XCTAssertEqual(secondText, firstText)

            // The demo's notices were issued days ago: every unsigned one is late.
            try await app.test(.GET, "/campaigns/CZ2022/notices?receipt=late", headers: admin) { res async throws in
                XCTAssertTrue(res.body.string.contains("<span class=\"muted\">\(unsigned)</span>"))
                XCTAssertTrue(res.body.string.contains("receipt late"))
            }
        }
    }
}
