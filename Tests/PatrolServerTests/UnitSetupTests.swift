import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// The organiser adds, corrects and retires a unit with its liaisons in the browser and the API.
final class UnitSetupTests: XCTestCase {
    func testAddEditRetireUnitWithLiaisons() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            try await app.makeUser("ad1", .admin)
            let web: HTTPHeaders = ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(try await app.token(for: "ad1", kind: .web))",
                                    "Content-Type": "application/x-www-form-urlencoded"]
            let api: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "ad1", kind: .api))"]
            var fields = ["code": "G56", "name": "市数据局", "category": "市级党政机关及其管理单位", "group": "department", "parent": "G03",
                          "liaisons[0][name]": "孙八", "liaisons[0][phone]": "139 0000 0008", "liaisons[0][officePhone]": "0519-85680000",
                          "liaisons[0][email]": "sun@example.gov.cn", "liaisons[1][name]": "周九", "liaisons[1][phone]": "12345",
                          "liaisons[2][name]": "", "liaisons[2][phone]": ""]
            try await app.test(.POST, "/campaigns/CZ2022/units", headers: web, beforeRequest: { req async throws in
                req.body = .init(string: formBody(fields))
            }) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
                XCTAssertTrue(res.body.string.contains("周九 的手机号码"), res.body.string)
                XCTAssertTrue(res.body.string.contains("value=\"孙八\""), "what was typed is kept")
            }
            let none = try await PatrolStore.Unit.query(on: app.db).filter(\.$code == "G56").count()
            XCTAssertEqual(none, 0)
            fields["liaisons[1][phone]"] = "13900000009"
            try await app.test(.POST, "/campaigns/CZ2022/units", headers: web, beforeRequest: { req async throws in
                req.body = .init(string: formBody(fields))
            }) { res async throws in
                XCTAssertEqual(res.status, .seeOther, res.body.string)
                XCTAssertEqual(res.headers.first(name: .location), "/campaigns/CZ2022/units/G56")
            }
            let unit = try await PatrolStore.Unit.query(on: app.db).filter(\.$code == "G56").with(\.$parent).first()!
            XCTAssertEqual(unit.parent?.code, "G03")
            let liaisons = try await unit.$liaisons.query(on: app.db).sort(\.$position).all()
            XCTAssertEqual(liaisons.map(\.phone), ["13900000008", "13900000009"])
            XCTAssertEqual(liaisons.first?.email, "sun@example.gov.cn")
            try await app.test(.GET, "/campaigns/CZ2022/units/G56", headers: web) { res async throws in
                XCTAssertTrue(res.body.string.contains("0519-85680000"))
                XCTAssertTrue(res.body.string.contains("/campaigns/CZ2022/units/G56/edit"))
            }
            // G03 cannot become a unit under G56, which is under G03.
            try await app.test(.PATCH, "/api/v1/campaigns/CZ2022/units/G03", headers: api, beforeRequest: { req async throws in
                try req.content.encode(["parent": "G56"], as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .unprocessableEntity, res.body.string) }
            // A PATCH changes only what it names; liaisons given replace the list.
            try await app.test(.PATCH, "/api/v1/campaigns/CZ2022/units/G56", headers: api, beforeRequest: { req async throws in
                try req.content.encode(UnitDraft(name: "市数据局（大数据中心）", liaisons: [.init(name: "孙八", phone: "13900000008")]), as: .json)
            }) { res async throws in
                XCTAssertEqual(res.status, .ok, res.body.string)
                let dto = try res.content.decode(UnitDTO.self)
                XCTAssertEqual(dto.name, "市数据局（大数据中心）")
                XCTAssertEqual(dto.category, "市级党政机关及其管理单位")
                XCTAssertEqual(dto.parent, "G03")
                XCTAssertEqual(dto.liaisons?.map(\.name), ["孙八"])
            }
            // A unit with findings stays in the campaign; one without leaves it, and stays known.
            try await app.test(.DELETE, "/api/v1/campaigns/CZ2022/units/D01", headers: api) { res async throws in
                XCTAssertEqual(res.status, .conflict, res.body.string)
            }
            try await app.test(.POST, "/campaigns/CZ2022/units/G56/retire", headers: web, beforeRequest: { req async throws in
                req.body = .init(string: formBody([:]))
            }) { res async throws in XCTAssertEqual(res.status, .seeOther) }
            let linked = try await CampaignUnit.query(on: app.db).filter(\.$unit.$id == unit.requireID()).count()
            XCTAssertEqual(linked, 0)
            let kept = try await PatrolStore.Unit.query(on: app.db).filter(\.$code == "G56").count()
            XCTAssertEqual(kept, 1)
            let actions = try await AuditEvent.query(on: app.db).filter(\.$action ~~ ["unit.create", "unit.update", "campaign.unit.leave"])
                .sort(\.$seq).all().map(\.action)
            XCTAssertEqual(actions, ["unit.create", "unit.update", "campaign.unit.leave"])
            // Adding its code again brings it back, as it is.
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/units", headers: api, beforeRequest: { req async throws in
                try req.content.encode(["code": "G56"], as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .created, res.body.string) }
        }
    }

    func testUnitsStillToDeclareAreRemindedOnceADay() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            try await app.makeUser("ad1", .admin)
            let api: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "ad1", kind: .api))"]
            try await app.test(.POST, "/api/v1/campaigns/CZ2022/units/remind", headers: api) { res async throws in
                XCTAssertEqual(res.status, .conflict, "the demo campaign is closed: declaration is over")
            }
            try await app.test(.POST, "/api/v1/campaigns", headers: api, beforeRequest: { req async throws in
                try req.content.encode(["code": "R2023", "name": "网安2023", "startsAt": "2023-05-15T00:00:00+08:00",
                                        "endsAt": "2023-05-20T00:00:00+08:00", "copyFrom": "CZ2022"], as: .json)
            }) { res async throws in XCTAssertEqual(res.status, .created) }
            let campaign = try await Campaign.query(on: app.db).filter(\.$code == "R2023").first()!
            let d01 = try await PatrolStore.Unit.query(on: app.db).filter(\.$code == "D01").first()!
            let d02 = try await PatrolStore.Unit.query(on: app.db).filter(\.$code == "D02").first()!
            try await Asset(campaignID: campaign.requireID(), unitID: d01.requireID(), code: "D01-1", kind: .domain,
                            target: "a.liyang.example.gov.cn", origin: .declared).create(on: app.db)
            try await Asset(campaignID: campaign.requireID(), unitID: d02.requireID(), code: "D02-1", kind: .domain,
                            target: "b.jintan.example.gov.cn", origin: .declared, review: .rejected, reviewReason: "非本单位").create(on: app.db)
            let phones = try await Liaison.query(on: app.db).filter(\.$unit.$id != d01.requireID()).all()
            let expected = Dictionary(grouping: phones, by: { $0.$unit.id }).values.map { Set($0.map(\.phone)).count }.reduce(0, +)
            try await app.test(.POST, "/api/v1/campaigns/R2023/units/remind", headers: api) { res async throws in
                XCTAssertEqual(res.status, .ok, res.body.string)
                let answer = try res.content.decode(UnitSetupController.RemindAnswer.self)
                XCTAssertEqual(answer.units, 82, "every unit but D01, whose asset is confirmed; D02's was rejected")
                XCTAssertEqual(answer.queued, expected)
            }
            let message = try await SMSMessage.query(on: app.db).filter(\.$event == "declaration").first()
            XCTAssertTrue(message?.body.contains("网安2023将于5月15日00:00开始检测") ?? false, message?.body ?? "no message")
            try await app.test(.POST, "/api/v1/campaigns/R2023/units/remind", headers: api) { res async throws in
                XCTAssertEqual(try res.content.decode(UnitSetupController.RemindAnswer.self).queued, 0, "once a day")
            }
            let written = try await SMSMessage.query(on: app.db).filter(\.$event == "declaration").count()
            XCTAssertEqual(written, expected)
            // The unit's page names the campaigns it takes part in.
            let web: HTTPHeaders = ["Cookie": "patrol_session=\(try await app.token(for: "ad1", kind: .web))"]
            try await app.test(.GET, "/campaigns/R2023/units/D01", headers: web) { res async throws in
                XCTAssertTrue(res.body.string.contains("<a href=\"/campaigns/CZ2022/units/D01\">"), res.body.string)
                XCTAssertTrue(res.body.string.contains("<strong>网安2023</strong>"))
            }
        }
    }
}
