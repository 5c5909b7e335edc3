import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// A liaison's asset declarations are held to `DeclarationLimit` through the API and the web form;
/// an administrator's are not.
final class DeclarationLimitServerTests: XCTestCase {
    func testLiaisonWideNetworkRefusedAdminAccepted() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            let campaign = try await Campaign.query(on: app.db).filter(\.$code == "CZ2022").first()!
            campaign.state = .draft
            try await campaign.save(on: app.db)
            try await app.makeUser("li1", .liaison, unit: "D01")
            try await app.makeUser("ad1", .admin)
            let liaison: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "li1", kind: .api))"]
            let admin: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "ad1", kind: .api))"]
            let wide = ["unit": "D01", "kind": "cidr", "target": "198.51.0.0/16"]
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/assets", headers: liaison, beforeRequest: { req async throws in
                try req.content.encode(wide, as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                let message = res.body.string.replacingOccurrences(of: "\\/", with: "/")
                XCTAssertTrue(message.contains("198.51.0.0/16"), message)
                XCTAssertTrue(message.contains("/24"), message)
            }
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/assets", headers: liaison, beforeRequest: { req async throws in
                try req.content.encode(["unit": "D01", "kind": "ip", "target": "169.254.169.254"], as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.string.contains("169.254.169.254"), res.body.string)
            }
            let web = try await app.token(for: "li1", kind: .web)
            try await app.test(.POST, "/campaigns/CZ2022/units/D01/assets", headers: ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(web)"],
                               beforeRequest: { req async throws in
                req.headers.contentType = .urlEncodedForm
                req.body = .init(string: formBody(["kind": "cidr", "target": "10.0.0.0/24"]))
            }) { res async throws in
                // The form is shown again with the message, in Chinese by default.
                XCTAssertTrue((400..<500).contains(Int(res.status.code)), "\(res.status)")
                XCTAssertTrue(res.body.string.contains("10.0.0.0/24"), res.body.string)
                XCTAssertTrue(res.body.string.contains("特殊用途地址"), res.body.string)
            }
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/assets", headers: liaison, beforeRequest: { req async throws in
                try req.content.encode(["unit": "D01", "kind": "cidr", "target": "198.51.100.0/24"], as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .created, res.body.string) }
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/assets", headers: admin, beforeRequest: { req async throws in
                try req.content.encode(wide, as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .created, res.body.string) }
            let targets = try await Asset.query(on: app.db).all(\.$target)
            XCTAssertTrue(targets.contains("198.51.0.0/16"))
            XCTAssertFalse(targets.contains("169.254.169.254") || targets.contains("10.0.0.0/24"))
        }
    }
}
