import Fluent
import Foundation
import PatrolCore
import PatrolStore
import SQLKit
import XCTVapor
@testable import PatrolServer

/// Every web list pages in the database (issue 20): the heading's total and the range count what
/// the filters keep, the next page holds the next rows, and the links keep the filters.
final class ListPagingTests: XCTestCase {
    private func matches(_ pattern: String, in html: String) -> [String] {
        let re = try! NSRegularExpression(pattern: pattern)
        return re.matches(in: html, range: NSRange(html.startIndex..., in: html)).map {
            String(html[Range($0.range(at: 1), in: html)!])
        }
    }

    /// The next link of the list whose page number is `parameter` (the notices page has two lists).
    private func next(_ html: String, parameter: String = "page") -> String? {
        matches(#"<a href="([^"]*)" rel="next">"#, in: html).map { $0.replacingOccurrences(of: "&amp;", with: "&") }
            .first { $0.contains("pendingPage=") == (parameter == "pendingPage") }
    }

    /// The rows of every page of `url`, following the next links.
    private func walk(_ app: Application, _ url: String, headers: HTTPHeaders, row pattern: String,
                      total: Int, parameter: String = "page", totalText: String? = nil,
                      file: StaticString = #filePath, line: UInt = #line) async throws -> [String] {
        var seen: [String] = []
        var link: String? = url
        var pages = 0
        while let current = link, pages < 20 {
            try await app.test(.GET, current, headers: headers) { res async throws in
                XCTAssertEqual(res.status, .ok, current, file: file, line: line)
                let html = res.body.string
                let expected = totalText ?? "共 \(total) 条"
                if total > 0 { XCTAssertTrue(html.contains(expected), "\(current): \(expected)", file: file, line: line) }
                seen += matches(pattern, in: html)
                link = next(html, parameter: parameter)
            }
            pages += 1
        }
        return seen
    }

    func testAdminListsPageAndKeepTheirFilters() async throws {
        try await withEachDatabase { app, location in
            try await app.loadDemoCampaign()
            try await app.makeUser("lp-admin", .admin)
            let admin: HTTPHeaders = ["Cookie": "patrol_session=\(try await app.token(for: "lp-admin", kind: .web))"]

            // Users: 120 observers and the admin; a role filter and a name search, in the database.
            try await (1...120).map {
                User(username: String(format: "obs%03d", $0), displayName: "观察员\($0)", passwordHash: "x", role: .observer,
                     mustChangePassword: false)
            }.create(on: app.db)
            let everyone = try await User.query(on: app.db).count()
            let users = try await walk(app, "/admin/users?sort=username", headers: admin, row: #"<td class="code">([a-z0-9-]+)</td>"#,
                                       total: everyone)
            XCTAssertEqual(users.count, everyone, location.redacted)
            XCTAssertEqual(users, users.sorted(), "by user name")
            let observers = try await walk(app, "/admin/users?role=observer", headers: admin, row: #"<td class="code">([a-z0-9-]+)</td>"#,
                                           total: 120)
            XCTAssertEqual(Set(observers), Set((1...120).map { String(format: "obs%03d", $0) }), location.redacted)
            let found = try await walk(app, "/admin/users?q=%E8%A7%82%E5%AF%9F%E5%91%9877", headers: admin,
                                       row: #"<td class="code">([a-z0-9-]+)</td>"#, total: 0)
            XCTAssertEqual(found, ["obs077"], "观察员77 by display name")

            // The SMS outbox: 75 test messages, newest first, over two pages.
            let now = Date()
            try await (1...75).map {
                SMSMessage(campaignID: nil, event: "test", dedupeKey: "lp-\($0)", phone: String(format: "139%08d", $0), template: "",
                           params: [:], body: "测试短信 \($0)", now: now.addingTimeInterval(Double($0)))
            }.create(on: app.db)
            let tests = try await SMSMessage.query(on: app.db).filter(\.$event == "test").count()
            let phones = try await walk(app, "/admin/sms?event=test", headers: admin, row: #"<td class="code">(1[0-9]{10})</td>"#,
                                        total: tests)
            XCTAssertEqual(phones.count, tests, location.redacted)
            XCTAssertEqual(phones.first, "13900000075", "newest first")
            XCTAssertEqual(Set(phones).count, phones.count, "no message twice")

            // The audit log: events enough for pages, with the action filter kept.
            let context = AuditContext(actorID: nil, actor: "test", clientAddress: "local")
            for n in 1...60 { try await AuditLog.append(on: app.db, context, action: "paging.test", objectType: "test", objectID: "\(n)") }
            let events = try await walk(app, "/admin/audit?action=paging.test", headers: admin,
                                        row: #"<td class="num">([0-9]+)</td>"#, total: 60)
            XCTAssertEqual(events.count, 60, location.redacted)
            XCTAssertEqual(events.map { Int($0)! }, events.map { Int($0)! }.sorted(by: >), "newest first")
            // Actions show by name, and the filter takes the name as shown.
            try await AuditLog.append(on: app.db, context, action: "login.failure", objectType: "user", objectID: "someone")
            let byName = "/admin/audit?action=" + "登录失败".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            try await app.test(.GET, byName, headers: admin) { res async throws in
                let html = res.body.string
                XCTAssertTrue(html.contains(#"<td title="login.failure">登录失败</td>"#), location.redacted)
                XCTAssertTrue(html.contains("someone"))
                XCTAssertFalse(html.contains("paging.test"), "only the action asked for")
            }
        }
    }

    func testCampaignListsPageAndKeepTheirFilters() async throws {
        try await withEachDatabase { app, location in
            try await app.loadDemoCampaign()
            try await app.makeUser("lp-admin", .admin)
            let admin: HTTPHeaders = ["Cookie": "patrol_session=\(try await app.token(for: "lp-admin", kind: .web))"]
            let campaign = try await Campaign.query(on: app.db).filter(\.$code == "CZ2022").first()!

            // Units: the demo's 83 over two pages by code; the declaration counts cover them all.
            let unitCount = try await campaign.$units.query(on: app.db).count()
            XCTAssertGreaterThan(unitCount, 50, "the demo has more than a page of units")
            var counted = 0
            try await app.test(.GET, "/campaigns/CZ2022/units", headers: admin) { res async throws in
                for n in matches(#"class="review declaration-[a-z]+" href="[^"]*">[^<]* ([0-9]+)</a>"#, in: res.body.string) { counted += Int(n)! }
            }
            XCTAssertEqual(counted, unitCount, "declaration counts add up to every unit: \(location.redacted)")
            let units = try await walk(app, "/campaigns/CZ2022/units", headers: admin,
                                       row: #"<td class="code" data-label="[^"]*">([A-Z0-9-]+)</td>"#, total: unitCount)
            let unitCodes = try await campaign.$units.query(on: app.db).all(\.$code).sorted()
            XCTAssertEqual(units, unitCodes, location.redacted)

            // Assets: 70 more for one unit; its list pages with the unit filter kept, sorted by address.
            let unit = try await campaign.$units.query(on: app.db).sort(\.$code).first()!
            try await (1...70).map {
                Asset(campaignID: try campaign.requireID(), unitID: try unit.requireID(), code: String(format: "\(unit.code)-P%02d", $0),
                      kind: .domain, target: String(format: "p%02d.paging.example.gov.cn", 71 - $0), origin: .declared)
            }.create(on: app.db)
            let mine = try await Asset.query(on: app.db).filter(\.$unit.$id == unit.requireID()).count()
            let targets = try await walk(app, "/campaigns/CZ2022/assets?unit=\(unit.code)&sort=target", headers: admin,
                                         row: #"<td class="target" data-label="[^"]*">([^<]+)</td>"#, total: mine)
            XCTAssertEqual(targets.count, mine, location.redacted)
            XCTAssertEqual(targets, targets.sorted(), "by address")
            let search = try await walk(app, "/campaigns/CZ2022/assets?q=P07.PAGING", headers: admin,
                                        row: #"<td class="target" data-label="[^"]*">([^<]+)</td>"#, total: 0)
            XCTAssertEqual(search, ["p07.paging.example.gov.cn"], "an address found whatever its case")

            // Notices: every issued notice once over the pages, 20 cards a page.
            let notices = try await Notice.query(on: app.db).filter(\.$campaign.$id == campaign.requireID()).count()
            let codes = try await walk(app, "/campaigns/CZ2022/notices?sort=oldest", headers: admin,
                                       row: #"<div class="noticehead"><a href="[^"]*" class="code">([^<]+)</a>"#, total: notices)
            XCTAssertEqual(codes.count, notices, location.redacted)
            XCTAssertEqual(Set(codes).count, notices)

            // Findings waiting for a notice page by unit, ten units a page, each unit's findings whole.
            let sql = app.db as! any SQLDatabase
            try await sql.raw("UPDATE findings SET status = 'verified' WHERE status IN ('notified', 'closed')").run()
            let waiting = try await Finding.query(on: app.db).filter(\.$campaign.$id == campaign.requireID())
                .filter(\.$status == .verified).with(\.$unit).all()
            let waitingUnits = Set(waiting.map(\.unit.code)).sorted()
            XCTAssertGreaterThan(waitingUnits.count, NoticeController.pendingUnitsPerPage, "more than a page of units waits")
            var boxes = 0
            let pendingUnits = try await walk(app, "/campaigns/CZ2022/notices?sort=oldest&page=2", headers: admin,
                                              row: #"<input type="hidden" name="unit" value="([^"]+)">"#, total: waitingUnits.count,
                                              parameter: "pendingPage", totalText: "共 \(waitingUnits.count) 个单位")
            XCTAssertEqual(pendingUnits, waitingUnits, "every waiting unit once, in code order: \(location.redacted)")
            for page in 1...((waitingUnits.count + 9) / 10) {
                try await app.test(.GET, "/campaigns/CZ2022/notices?pendingPage=\(page)", headers: admin) { res async throws in
                    boxes += matches(#"<input type="checkbox" name="finding\[\]" value="([^"]+)" checked>"#, in: res.body.string).count
                    XCTAssertTrue(res.body.string.contains(">\(waiting.count)</span>"), "the heading counts every waiting finding")
                }
            }
            XCTAssertEqual(boxes, waiting.count, "every waiting finding offered once")
        }
    }

    /// Every item of an API list, following `nextCursor` with pages of `limit`.
    private func readAll<Item: Content>(_ app: Application, _ url: String, _: Item.Type, headers: HTTPHeaders, limit: Int,
                                        file: StaticString = #filePath, line: UInt = #line) async throws -> (items: [Item], total: Int, pages: Int) {
        var items: [Item] = []
        var cursor: String?
        var total = -1
        var pages = 0
        repeat {
            let joiner = url.contains("?") ? "&" : "?"
            let page = "\(url)\(joiner)limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? "")
            try await app.test(.GET, page, headers: headers) { res async throws in
                XCTAssertEqual(res.status, .ok, "\(page): \(res.body.string.prefix(200))", file: file, line: line)
                let answer = try res.content.decode(APIPage<Item>.self)
                XCTAssertLessThanOrEqual(answer.items.count, limit, file: file, line: line)
                if total >= 0 { XCTAssertEqual(answer.total, total, "the total holds from page to page", file: file, line: line) }
                total = answer.total
                items += answer.items
                cursor = answer.nextCursor
            }
            pages += 1
        } while cursor != nil && pages < 200
        return (items, total, pages)
    }

    func testAPIListsPageByCursor() async throws {
        try await withEachDatabase { app, location in
            try await app.loadDemoCampaign()
            try await app.makeUser("lp-admin", .admin)
            try await app.makeUser("lp-liaison", .liaison, unit: "D01")
            let admin: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "lp-admin", kind: .api))"]
            let liaison: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "lp-liaison", kind: .api))"]
            let campaign = try await Campaign.query(on: app.db).filter(\.$code == "CZ2022").first()!

            let units = try await readAll(app, "/api/v1/campaigns/CZ2022/units", UnitDTO.self, headers: admin, limit: 20)
            let unitCodes = try await campaign.$units.query(on: app.db).all(\.$code)
            XCTAssertEqual(units.items.map(\.code).sorted(), unitCodes.sorted(), location.redacted)
            XCTAssertEqual(units.total, unitCodes.count)
            XCTAssertEqual(units.pages, (unitCodes.count + 19) / 20)
            XCTAssertTrue(units.items.contains { !($0.liaisons ?? []).isEmpty }, "liaisons come with the page")
            let own = try await readAll(app, "/api/v1/campaigns/CZ2022/units", UnitDTO.self, headers: liaison, limit: 20)
            XCTAssertEqual(own.items.map(\.code), ["D01"], "a liaison's list is their unit")
            XCTAssertEqual(own.total, 1)

            let assets = try await readAll(app, "/api/v1/campaigns/CZ2022/assets", AssetDTO.self, headers: admin, limit: 25)
            let assetCount = try await Asset.query(on: app.db).filter(\.$campaign.$id == campaign.requireID()).count()
            XCTAssertEqual(assets.items.count, assetCount, location.redacted)
            XCTAssertEqual(Set(assets.items.map(\.code)).count, assetCount, "no asset twice")
            let d01 = try await readAll(app, "/api/v1/campaigns/CZ2022/assets?unit=D01", AssetDTO.self, headers: admin, limit: 2)
            XCTAssertTrue(d01.items.allSatisfy { $0.unit == "D01" } && !d01.items.isEmpty, "filters hold across pages")

            let notices = try await readAll(app, "/api/v1/campaigns/CZ2022/notices", NoticeDTO.self, headers: admin, limit: 3)
            let noticeCount = try await Notice.query(on: app.db).filter(\.$campaign.$id == campaign.requireID()).count()
            XCTAssertEqual(Set(notices.items.map(\.code)).count, noticeCount, location.redacted)
            XCTAssertEqual(notices.items.map(\.issuedAt), notices.items.map(\.issuedAt).sorted(), "in the order issued")

            let users = try await readAll(app, "/api/v1/users", UserDTO.self, headers: admin, limit: 1)
            let userCount = try await User.query(on: app.db).count()
            let usernames = try await User.query(on: app.db).all(\.$username).sorted()
            XCTAssertEqual(users.items.map(\.username), usernames, location.redacted)
            XCTAssertEqual(users.total, userCount)
            try await app.test(.GET, "/api/v1/users?role=liaison", headers: admin) { res async throws in
                XCTAssertEqual(try res.content.decode(APIPage<UserDTO>.self).items.map(\.username), ["lp-liaison"])
            }

            let now = Date()
            try await (1...12).map {
                SMSMessage(campaignID: nil, event: "test", dedupeKey: "api-\($0)", phone: String(format: "139%08d", $0), template: "",
                           params: [:], body: "测试 \($0)", now: now.addingTimeInterval(Double($0)))
            }.create(on: app.db)
            let sms = try await readAll(app, "/api/v1/sms?event=test", SMSDTO.self, headers: admin, limit: 5)
            XCTAssertEqual(sms.items.map(\.phone), (1...12).map { String(format: "139%08d", $0) }, "oldest first: \(location.redacted)")
            XCTAssertEqual(sms.pages, 3)
            // A cursor from another list is refused by name.
            let foreign = try await Notice.query(on: app.db).first()!.requireID()
            try await app.test(.GET, "/api/v1/users?cursor=\(foreign.uuidString)", headers: admin) { res async throws in
                XCTAssertEqual(res.status, .unprocessableEntity)
            }
        }
    }
}
