import Fluent
import Foundation
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// The web findings list pages in the database (issue 20): 50 rows a page, numbered links that keep
/// the filters and sort, a keyword search, and a total that counts what the filters keep.
final class FindingListPagingTests: XCTestCase {
    /// The finding codes of a findings page, in the order shown.
    private func codes(_ html: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: #"<td class="code" data-label="[^"]*"><a href="[^"]*">([^<]+)</a>"#)
        return pattern.matches(in: html, range: NSRange(html.startIndex..., in: html)).map {
            String(html[Range($0.range(at: 1), in: html)!])
        }
    }

    private func link(_ rel: String, in html: String) -> String? {
        let pattern = try! NSRegularExpression(pattern: #"<a href="([^"]*)" rel="\#(rel)">"#)
        guard let m = pattern.firstMatch(in: html, range: NSRange(html.startIndex..., in: html)) else { return nil }
        return String(html[Range(m.range(at: 1), in: html)!]).replacingOccurrences(of: "&amp;", with: "&")
    }

    func testPagesKeepFiltersAndSortAndCoverTheListOnce() async throws {
        try await withEachDatabase { app, location in
            try await app.loadDemoCampaign()
            try await app.makeUser("pg-reviewer", .reviewer)
            // Enough findings of one unit for three pages: copies of a demo finding under new codes.
            let template = try await Finding.query(on: app.db).filter(\.$severity == .high).sort(\.$code).first()!
            let unit = try await PatrolStore.Unit.find(template.$unit.id, on: app.db)!
            let extra = (1...110).map { n -> Finding in
                let f = Finding()
                f.$campaign.id = template.$campaign.id
                f.code = String(format: "CZ2022-P%03d", n)
                f.$unit.id = template.$unit.id
                f.$team.id = template.$team.id
                f.kind = .vulnerability
                f.severity = [.critical, .high, .medium, .low][n % 4]
                f.title = n == 77 ? "页码测试 唯一标题" : "页码测试 \(n)"
                f.shellPaths = []
                f.weakPassword = false
                f.sensitiveRecords = 0
                f.status = .verified
                f.submittedAt = template.submittedAt.addingTimeInterval(Double(n))
                return f
            }
            try await extra.create(on: app.db)
            let mine = try await Finding.query(on: app.db).filter(\.$unit.$id == template.$unit.id).all()
            let headers: HTTPHeaders = ["Cookie": "patrol_session=\(try await app.token(for: "pg-reviewer", kind: .web))"]

            // Walk the unit's findings by code: every page 50 rows but the last, no row twice, in order.
            var url: String? = "/campaigns/CZ2022/findings?unit=\(unit.code)&sort=code"
            var seen: [String] = []
            var pages = 0
            while let next = url, pages < 10 {
                try await app.test(.GET, next, headers: headers) { res async throws in
                    XCTAssertEqual(res.status, .ok, location.redacted)
                    let html = res.body.string
                    let page = codes(html)
                    XCTAssertEqual(page.count, min(50, mine.count - seen.count), "\(next) \(location.redacted)")
                    XCTAssertTrue(html.contains("共 \(mine.count) 条"), "the range names the filtered total")
                    seen += page
                    url = link("next", in: html)
                    if let url {
                        XCTAssertTrue(url.contains("unit=\(unit.code)") && url.contains("sort=code"), "links keep the filters: \(url)")
                    }
                }
                pages += 1
            }
            XCTAssertEqual(pages, (mine.count + 49) / 50, location.redacted)
            XCTAssertEqual(seen, mine.map(\.code).sorted(), location.redacted)

            // A page past the end shows the last page; worst severity first when asked.
            try await app.test(.GET, "/campaigns/CZ2022/findings?unit=\(unit.code)&sort=code&page=999", headers: headers) { res async throws in
                XCTAssertEqual(codes(res.body.string), Array(mine.map(\.code).sorted().suffix(mine.count - 50 * (pages - 1))))
            }
            try await app.test(.GET, "/campaigns/CZ2022/findings?unit=\(unit.code)&sort=severity", headers: headers) { res async throws in
                let bySeverity = Dictionary(uniqueKeysWithValues: mine.map { ($0.code, $0.severity) })
                let rank: (Severity?) -> Int = { s in s.map { [.critical, .high, .medium, .low].firstIndex(of: $0)! } ?? 4 }
                let shown = codes(res.body.string).map { rank(bySeverity[$0] ?? nil) }
                XCTAssertEqual(shown, shown.sorted(), "critical first: \(location.redacted)")
                XCTAssertEqual(shown.first, 0)
            }
            // The keyword finds by title and by code (typed in lower case), and the total follows.
            try await app.test(.GET, "/campaigns/CZ2022/findings?q=%E5%94%AF%E4%B8%80%E6%A0%87%E9%A2%98", headers: headers) { res async throws in
                XCTAssertEqual(codes(res.body.string), ["CZ2022-P077"], location.redacted)
                XCTAssertNil(link("next", in: res.body.string))
            }
            // The review queue counts what waits for the reviewer, as the to-do list does.
            let waiting = try await Finding.query(on: app.db).filter(\.$status == .submitted).count()
            let asked = try await Finding.query(on: app.db).filter(\.$status == .needInfo).count()
            XCTAssertGreaterThan(asked, 0, "the demo has findings waiting for information")
            try await app.test(.GET, "/campaigns/CZ2022/findings?status=submitted", headers: headers) { res async throws in
                XCTAssertTrue(res.body.string.contains(#"<span class="muted">\#(waiting)</span>"#), "queue of \(waiting): \(location.redacted)")
            }
            try await app.test(.GET, "/campaigns/CZ2022", headers: headers) { res async throws in
                let html = res.body.string
                let todo = try XCTUnwrap(html.range(of: "/campaigns/CZ2022/findings?status=submitted"), "the to-do links to the queue")
                XCTAssertTrue(html[todo.upperBound...].prefix(120).contains(#"<span class="badge">\#(waiting)</span>"#),
                              "the to-do counts the queue: \(location.redacted)")
            }
            try await app.test(.GET, "/campaigns/CZ2022/findings?q=cz2022-p10", headers: headers) { res async throws in
                XCTAssertEqual(codes(res.body.string), (100...109).map { String(format: "CZ2022-P%03d", $0) }, location.redacted)
                XCTAssertTrue(res.body.string.contains("共 10 条"))
            }
        }
    }

    /// Past `unitMenuLimit` units the unit filter is typed: a code (any case) or part of a name.
    func testAProvinceTypesTheUnitInsteadOfChoosingFromAMenu() async throws {
        try await withEachDatabase { app, location in
            try await app.loadDemoCampaign()
            try await app.makeUser("pt-reviewer", .reviewer)
            let headers: HTTPHeaders = ["Cookie": "patrol_session=\(try await app.token(for: "pt-reviewer", kind: .web))"]
            let campaign = try await Campaign.find(code: "CZ2022", on: app.db)!
            try await app.test(.GET, "/campaigns/CZ2022/findings", headers: headers) { res async throws in
                XCTAssertTrue(res.body.string.contains(#"<select name="unit">"#), "83 units: a menu")
            }
            let more = (1...FindingListPage.unitMenuLimit).map {
                PatrolStore.Unit(code: String(format: "PX%03d", $0), name: "省直测试单位\($0)", category: "省直", group: .department)
            }
            try await more.create(on: app.db)
            try await campaign.$units.attach(more, on: app.db)
            let finding = try await Finding.query(on: app.db).with(\.$unit).sort(\.$code).first()!
            let unit = finding.unit
            let ofUnit = try await Finding.query(on: app.db).filter(\.$unit.$id == unit.requireID()).count()
            func shown(_ query: String) async throws -> String {
                var html = ""
                try await app.test(.GET, "/campaigns/CZ2022/findings?\(query)", headers: headers) { res async throws in
                    XCTAssertEqual(res.status, .ok, location.redacted)
                    html = res.body.string
                }
                return html
            }
            let all = try await shown("")
            XCTAssertFalse(all.contains(#"<select name="unit">"#), "\(83 + more.count) units: no menu")
            XCTAssertTrue(all.contains(#"<input type="search" name="unit" value=""#))
            let byCode = try await shown("unit=\(unit.code.lowercased())")
            XCTAssertTrue(byCode.contains("共 \(ofUnit) 条") || ofUnit <= 50, location.redacted)
            XCTAssertTrue(codes(byCode).contains(finding.code))
            XCTAssertTrue(byCode.contains(#"name="unit" value="\#(unit.code.lowercased())""#), "what was typed stays")
            let byName = try await shown("unit=" + unit.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            XCTAssertEqual(codes(byName), codes(byCode), "the unit's full name finds the same findings")
            let none = try await shown("unit=%E4%B8%8D%E5%AD%98%E5%9C%A8")
            XCTAssertEqual(codes(none), [], "a name no unit has finds nothing")
        }
    }
}
