import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// An assets list imports into the campaign's units, checked as one asset is; approved as the
/// organiser's own entry, or filed for review; bad rows named and nothing written.
final class AssetImportTests: XCTestCase {
    func testAssetsListIsCheckedFiledForReviewAndReimportedUnchanged() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            try await app.makeUser("ad1", .admin)
            let api: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "ad1", kind: .api))"]
            try await app.test(.POST, "/api/v1/campaigns", headers: api, beforeRequest: { req async throws in
                try req.content.encode(["code": "A2023", "name": "资产导入", "startsAt": "2023-05-15T00:00:00+08:00",
                                        "endsAt": "2023-05-20T00:00:00+08:00", "copyFrom": "CZ2022"], as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .created, res.body.string) }
            let bad = """
                互联网资产台账
                单位编码,单位名称,资产类型,资产目标,端口,备注
                D01,,网站,https://www.liyang.example.gov.cn/,443,门户
                ,金坛区,,198.51.100.7,,
                D01,,网页,https://x.example.gov.cn/,,
                D01,,网站,www.no-scheme.example.gov.cn,,
                Z99,,域名,z.example.gov.cn,,
                D02,,网站,https://www.liyang.example.gov.cn/,,
                D03,,IP 地址,198.51.100.8,99999,
                """
            let before = try await Asset.query(on: app.db).count()
            try await app.test(.POST, "/api/v1/campaigns/A2023/imports/assets", headers: api, body: ByteBuffer(string: bad)) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity, res.body.string)
                let answer = try res.content.decode(ImportController.AssetAnswer.self)
                XCTAssertEqual(answer.problems.map { "\($0.row) \($0.column ?? "-") \($0.code)" },
                               ["5 C assetKind", "6 D error.asset.notURL", "7 A assetUnit", "8 D assetDuplicate", "9 E error.asset.badPorts"],
                               res.body.string)
                XCTAssertTrue(answer.problems[3].message.contains("第 3 行"), answer.problems[3].message)
                XCTAssertEqual(answer.assets.map(\.kind), ["website", "ip"], "a kind left blank is judged from the target")
            }
            let unchanged = try await Asset.query(on: app.db).count()
            XCTAssertEqual(unchanged, before)
            let good = bad.split(separator: "\n").prefix(4).joined(separator: "\n")
            try await app.test(.POST, "/api/v1/campaigns/A2023/imports/assets?pendingReview=true", headers: api,
                               body: ByteBuffer(string: good)) { res async throws in
                XCTAssertEqual(res.status, .ok, res.body.string)
                let answer = try res.content.decode(ImportController.AssetAnswer.self)
                XCTAssertTrue(answer.applied)
                XCTAssertEqual(answer.counts["create"], 2)
            }
            let campaign = try await Campaign.query(on: app.db).filter(\.$code == "A2023").first()!
            let assets = try await Asset.query(on: app.db).filter(\.$campaign.$id == campaign.requireID()).sort(\.$code).all()
            XCTAssertEqual(assets.map(\.code), ["D01-1", "D02-1"])
            XCTAssertEqual(assets.map(\.review), [.pending, .pending])
            XCTAssertEqual(assets.first?.ports, "443")
            let scope = try await GatewayDirectory.scopeAssets(campaigns: [campaign.requireID()], on: app.db)
            XCTAssertNil(scope[try campaign.requireID()], "assets filed for review are not in scope")
            // Again: nothing changes. A port corrected: that one asset, and it goes back to review only if asked.
            try await app.test(.POST, "/api/v1/campaigns/A2023/imports/assets?dryRun=true", headers: api,
                               body: ByteBuffer(string: good)) { res async throws in
                XCTAssertEqual(try res.content.decode(ImportController.AssetAnswer.self).counts["unchanged"], 2, res.body.string)
            }
            try await app.test(.POST, "/api/v1/campaigns/A2023/imports/assets", headers: api,
                               body: ByteBuffer(string: good.replacingOccurrences(of: ",443,", with: ",443;8443,")
                                                   .replacingOccurrences(of: "443;8443", with: "\"443,8443\""))) { res async throws in
                let answer = try res.content.decode(ImportController.AssetAnswer.self)
                XCTAssertEqual(answer.counts["update"], 1, res.body.string)
                XCTAssertEqual(answer.assets.first?.changes, ["ports"])
            }
            let corrected = try await Asset.query(on: app.db).filter(\.$code == "D01-1").filter(\.$campaign.$id == campaign.requireID()).first()
            XCTAssertEqual(corrected?.ports, "443,8443")
            XCTAssertEqual(corrected?.review, .approved, "the organiser's own correction is approved")
            let audit = try await AuditEvent.query(on: app.db).filter(\.$action == "campaign.import.assets").count()
            XCTAssertEqual(audit, 2)
        }
    }
}
