import Fluent
import PatrolCore
import PatrolSheet
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// The office's own 附件1 (title row, no codes, a footnote) imports as it is, through preview and
/// confirmation; importing it again changes nothing; bad rows are named and nothing is written.
final class UnitImportTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PatrolSheetTests/Fixtures")

    func fixture(_ name: String) throws -> Data { try Data(contentsOf: Self.fixtures.appendingPathComponent(name)) }

    /// A multipart upload of `data` as the import form sends it.
    static func multipart(_ data: Data, filename: String, list: String = "units") -> (HTTPHeaders, ByteBuffer) {
        let boundary = "patrol-test-boundary"
        var body = ByteBuffer()
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(testCSRF)\r\n")
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"list\"\r\n\r\n\(list)\r\n")
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\n")
        body.writeString("Content-Type: application/octet-stream\r\n\r\n")
        body.writeBytes(data)
        body.writeString("\r\n--\(boundary)--\r\n")
        return (["Content-Type": "multipart/form-data; boundary=\(boundary)"], body)
    }

    func makeCampaign(_ app: Application, code: String) async throws -> Campaign {
        let campaign = Campaign(code: code, name: code, timeZone: "Asia/Shanghai", startsAt: Date(), endsAt: Date().addingTimeInterval(86_400))
        try await campaign.create(on: app.db)
        return campaign
    }

    func testTheOfficesOwnListImportsAsItIsAndAgainChangesNothing() async throws {
        try await withEachDatabase { app, _ in
            try await app.makeUser("ad1", .admin)
            let campaign = try await makeCampaign(app, code: "CZ2023")
            var headers: HTTPHeaders = ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(try await app.token(for: "ad1", kind: .web))"]
            let (type, body) = Self.multipart(try fixture("units-changzhou-2022.xlsx"), filename: "附件1.xlsx")
            headers.add(contentsOf: type)
            var token = "", digest = ""
            try await app.test(.POST, "/campaigns/CZ2023/import", headers: headers, body: body) { res async throws in
                XCTAssertEqual(res.status, .ok, res.body.string)
                let page = res.body.string
                XCTAssertTrue(page.contains("<span class=\"big\">83</span>新建"), page)
                XCTAssertTrue(page.contains("第 87 行为说明文字"), "the footnote under the table is shown, not imported")
                XCTAssertFalse(page.contains("需要修正的问题"))
                token = try XCTUnwrap(page.firstMatch(of: /name="token" value="([^"]+)"/)).1.description
                digest = try XCTUnwrap(page.firstMatch(of: /name="digest" value="([^"]+)"/)).1.description
            }
            let before = try await PatrolStore.Unit.query(on: app.db).count()
            XCTAssertEqual(before, 0, "a preview writes nothing")
            headers.replaceOrAdd(name: .contentType, value: "application/x-www-form-urlencoded")
            try await app.test(.POST, "/campaigns/CZ2023/import/confirm", headers: headers, beforeRequest: { req async throws in
                req.body = .init(string: formBody(["token": token, "digest": digest]))
            }) { res async throws in
                XCTAssertEqual(res.status, .ok, res.body.string)
                XCTAssertTrue(res.body.string.contains("新建 83 个单位"), res.body.string)
            }
            // Codes as the 2022 list was coded, in the list's order, by category.
            let csv = try String(decoding: fixture("units-changzhou-2022.csv"), as: UTF8.self)
            let expected = Dictionary(uniqueKeysWithValues: csv.split(whereSeparator: \.isNewline).dropFirst().map {
                let f = $0.split(separator: ",", omittingEmptySubsequences: false)
                return (String(f[1]), (String(f[0]), String(f[3])))
            })
            let units = try await PatrolStore.Unit.query(on: app.db).all()
            XCTAssertEqual(units.count, 83)
            for u in units {
                XCTAssertEqual(expected[u.name]?.0, u.code, u.name)
                XCTAssertEqual(expected[u.name]?.1, u.group.rawValue, u.name)
            }
            let linked = try await CampaignUnit.query(on: app.db).filter(\.$campaign.$id == campaign.requireID()).count()
            XCTAssertEqual(linked, 83)
            // The same token cannot be confirmed twice.
            try await app.test(.POST, "/campaigns/CZ2023/import/confirm", headers: headers, beforeRequest: { req async throws in
                req.body = .init(string: formBody(["token": token, "digest": digest]))
            }) { res async throws in XCTAssertEqual(res.status, .unprocessableEntity) }

            // Again, through the API: nothing to do.
            let api: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "ad1", kind: .api))"]
            try await app.test(.POST, "/api/v1/campaigns/CZ2023/imports/units", headers: api,
                               body: ByteBuffer(data: try fixture("units-changzhou-2022.xlsx"))) { res async throws in
                XCTAssertEqual(res.status, .ok, res.body.string)
                let answer = try res.content.decode(ImportController.APIAnswer.self)
                XCTAssertEqual(answer.counts["unchanged"], 83)
                XCTAssertEqual(answer.problems.count, 0)
            }
            // Patrol's own CSV (with codes) of the same units also changes nothing.
            try await app.test(.POST, "/api/v1/campaigns/CZ2023/imports/units?dryRun=true", headers: api,
                               body: ByteBuffer(data: try fixture("units-changzhou-2022.csv"))) { res async throws in
                let answer = try res.content.decode(ImportController.APIAnswer.self)
                // The same units; the CSV also carries the transcriber's notes on two of them, which 附件1 lacks.
                XCTAssertEqual(answer.counts["unchanged"], 81, res.body.string)
                XCTAssertEqual(answer.units.filter { $0.action == "update" }.map(\.code), ["G21", "G32"])
                XCTAssertEqual(Set(answer.units.flatMap(\.changes)), ["note"])
            }
            let events = try await AuditEvent.query(on: app.db).filter(\.$action == "unit.create").count()
            XCTAssertEqual(events, 83)
        }
    }

    func testBadRowsAreNamedAndNothingIsWritten() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            try await app.makeUser("ad1", .admin)
            _ = try await makeCampaign(app, code: "NEW")
            let api: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "ad1", kind: .api))"]
            let csv = """
                单位名称,类别,网络安全联络员,联络员手机,上级单位
                溧阳市,辖市区,李四,139 0000 0001,
                ,,王五,13900000002,
                新单位甲,市属国有企业,赵六,12345,
                新单位乙,,钱七,13900000003,
                溧阳市,辖市区,,,
                新单位丙,市属国有企业,,,不存在的单位
                """
            let before = try await PatrolStore.Unit.query(on: app.db).count()
            try await app.test(.POST, "/api/v1/campaigns/NEW/imports/units", headers: api, body: ByteBuffer(string: csv)) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity, res.body.string)
                let answer = try res.content.decode(ImportController.APIAnswer.self)
                XCTAssertFalse(answer.applied)
                let found = answer.problems.map { "\($0.row) \($0.column ?? "-") \($0.code)" }
                XCTAssertEqual(found, ["4 D phone", "5 B categoryMissing", "6 A duplicateName", "7 E parent"], res.body.string)
                XCTAssertTrue(answer.problems[0].message.contains("12345"), answer.problems[0].message)
                // Row 3 is a second liaison of 溧阳市; the phone is normalised.
                let liyang = answer.units.first { $0.name == "溧阳市" }
                XCTAssertEqual(liyang?.liaisons?.map(\.phone), ["13900000001", "13900000002"])
                XCTAssertEqual(liyang?.action, "update", "its liaisons change")
                XCTAssertEqual(liyang?.changes, ["liaisons"])
            }
            let after = try await PatrolStore.Unit.query(on: app.db).count()
            XCTAssertEqual(after, before)
            let links = try await CampaignUnit.query(on: app.db).count()
            XCTAssertEqual(links, 83, "only the demo campaign's units are linked")
            // A GBK CSV is read as GBK; a renamed .xls is named for what it is.
            try await app.test(.POST, "/api/v1/campaigns/NEW/imports/units?dryRun=true", headers: api,
                               body: ByteBuffer(data: try fixture("units-gbk.csv"))) { res async throws in
                let answer = try res.content.decode(ImportController.APIAnswer.self)
                XCTAssertEqual(answer.units.first?.name, "溧阳市", res.body.string)
            }
            try await app.test(.POST, "/api/v1/campaigns/NEW/imports/units?filename=list.xlsx", headers: api,
                               body: ByteBuffer(data: try fixture("renamed-xls.xlsx"))) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.string.contains(".xls"), res.body.string)
            }
        }
    }

    func testTemplatesAreDownloadsTheImportReads() async throws {
        try await withEachDatabase { app, _ in
            try await app.makeUser("ad1", .admin)
            let headers: HTTPHeaders = ["Cookie": "patrol_session=\(try await app.token(for: "ad1", kind: .web))"]
            for name in ["units.xlsx", "units.csv"] {
                try await app.test(.GET, "/import-templates/\(name)", headers: headers) { res async throws in
                    XCTAssertEqual(res.status, .ok)
                    XCTAssertTrue(res.headers.first(name: .contentDisposition)?.hasPrefix("attachment") ?? false)
                    let table = try ImportFile.table(Data(buffer: res.body), filename: name)
                    let reading = try UnitSheet.read(table)
                    XCTAssertEqual(reading.header.missingRequired, [])
                    XCTAssertEqual(Set(reading.header.columns.keys), [.code, .name, .category, .group, .parent, .liaison, .phone, .note])
                    XCTAssertEqual(reading.header.rowNumber, name.hasSuffix(".xlsx") ? 2 : 1, "the xlsx explains itself in a title row")
                    XCTAssertTrue(reading.rows.isEmpty, "no example row that could be imported by mistake")
                }
            }
        }
    }
}
