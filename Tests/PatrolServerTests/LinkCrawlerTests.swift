import Fluent
import Foundation
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// Signs in as each of the five roles and follows every link and form a page offers, in the demo
/// campaign (closed, findings in every state) and in a running campaign. A link is resolved the way
/// a browser resolves it, against the page it is on, so a relative `href` that works on one path and
/// not on another is caught. Fails on a 404, a 5xx, a sign-in page or 401 shown to a signed-in user, a
/// link the reader may not follow (403), a form posting to no route, and a page about a unit or
/// finding the policy would not show the reader.
final class LinkCrawlerTests: XCTestCase {
    /// What went wrong, and on which page the link was found.
    struct Problem: CustomStringConvertible {
        var role: String
        var path: String
        var from: String
        var what: String
        var description: String { "\(role): \(what) at \(path) (linked from \(from))" }
    }

    /// A second campaign, running with the window open now, made from the demo's first units.
    func loadRunningCampaign(_ app: Application) async throws {
        var bundle = try DemoCampaign.bundle()
        let units = Set(bundle.units.prefix(6).map(\.code))
        bundle.campaign.code = "RUN2026"
        bundle.campaign.name = "链接检查行动"
        bundle.campaign.state = CampaignState.running.rawValue
        bundle.campaign.demo = false
        let now = Date()
        let iso = ISO8601DateFormatter()
        bundle.campaign.startsAt = iso.string(from: now.addingTimeInterval(-86_400))
        bundle.campaign.endsAt = iso.string(from: now.addingTimeInterval(4 * 86_400))
        bundle.campaign.scoredAt = nil
        bundle.units = bundle.units.filter { units.contains($0.code) }
        bundle.assets = bundle.assets.filter { units.contains($0.unit) }
        bundle.findings = []
        bundle.notices = []
        let checked = try BundleValidator.check(bundle)
        _ = try await BundleImporter.importBundle(checked, replace: false, on: app.db,
                                                  context: AuditContext(actorID: nil, actor: "test", clientAddress: "local"))
    }

    /// A finding in the running campaign in each early state, through the API as a tester would.
    func submitFindings(_ app: Application) async throws {
        let tester = try await app.token(for: "crawl-tester", kind: .api)
        let reviewer = try await app.token(for: "crawl-reviewer", kind: .api)
        for (i, decision) in ["", "verify", "needInfo"].enumerated() {
            var code = ""
            try await app.test(.POST, "/api/v1/campaigns/RUN2026/findings", headers: ["Authorization": "Bearer \(tester)"],
                               beforeRequest: { req async throws in
                try req.content.encode(["unit": "D01", "asset": "D01-1", "kind": "vulnerability", "severity": "high",
                                        "type": "sqlInjection", "title": "登录接口SQL注入 \(i)"], as: .json)
            }, afterResponse: { res async throws in
                XCTAssertEqual(res.status, .created, res.body.string)
                code = (try? res.content.get(String.self, at: "code")) ?? ""
            })
            guard !decision.isEmpty else { continue }
            try await app.test(.POST, "/api/v1/campaigns/RUN2026/findings/\(code)/review", headers: ["Authorization": "Bearer \(reviewer)"],
                               beforeRequest: { req async throws in try req.content.encode(["decision": decision, "note": "请补充截图"], as: .json) },
                               afterResponse: { res async throws in XCTAssertEqual(res.status, .ok, res.body.string) })
        }
    }

    func testEveryLinkWorksForEveryRole() async throws {
        try await withEachDatabase { app, location in
            // setup
            try await app.loadDemoCampaign()
            try await self.loadRunningCampaign(app)
            let accounts: [(String, Role, String?, String?)] = [
                ("crawl-admin", .admin, nil, nil), ("crawl-reviewer", .reviewer, nil, nil), ("crawl-tester", .tester, nil, "T01"),
                ("crawl-liaison", .liaison, "D01", nil), ("crawl-observer", .observer, nil, nil)]
            for (name, role, unit, team) in accounts { try await app.makeUser(name, role, unit: unit, team: team) }
            try await self.submitFindings(app)

            // MUT
            var problems: [Problem] = []
            var visitedCount: [String: Int] = [:]
            for (name, role, _, _) in accounts {
                let (found, visited) = try await self.crawl(app, as: name)
                problems += found
                visitedCount[role.rawValue] = visited
            }

            // validate
            XCTAssertTrue(problems.isEmpty, "on \(location.redacted), \(problems.count) broken:\n"
                          + problems.prefix(60).map(\.description).joined(separator: "\n"))
            // The crawl really went somewhere: staff reach every unit's page and score card.
            XCTAssertGreaterThan(visitedCount["admin"] ?? 0, 200, "\(visitedCount)")
            XCTAssertGreaterThan(visitedCount["liaison"] ?? 0, 5, "\(visitedCount)")
        }
    }

    /// Breadth-first over everything reachable from the start pages; returns the problems and how
    /// many pages were fetched.
    func crawl(_ app: Application, as username: String) async throws -> ([Problem], Int) {
        let user = try await User.query(on: app.db).filter(\.$username == username).first()!
        let actor = user.actor!
        let token = try await app.token(for: username, kind: .web)
        let headers: HTTPHeaders = ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(token)"]
        let role = actor.role.rawValue
        var problems: [Problem] = []
        var queue: [(path: String, from: String)] = [("/", "start"), ("/campaigns/CZ2022", "start"), ("/campaigns/RUN2026", "start")]
        var seen = Set(queue.map(\.path))
        // Query variants (filters, pages, sort orders) of one path: a few say enough.
        var variants: [String: Int] = [:]
        var fetched = 0
        while !queue.isEmpty {
            let (path, from) = queue.removeFirst()
            fetched += 1
            var status: HTTPStatus = .ok
            var location: String?
            var contentType = ""
            var body = ""
            try await app.test(.GET, path, headers: headers) { res async throws in
                status = res.status
                location = res.headers.first(name: .location)
                contentType = res.headers.contentType?.description ?? ""
                if contentType.hasPrefix("text/html") { body = res.body.string }
            }
            func problem(_ what: String) { problems.append(Problem(role: role, path: path, from: from, what: what)) }
            switch status.code {
            case 200:
                break
            case 301, 302, 303, 307:
                guard let location else { problem("redirect without a location"); continue }
                if location.hasPrefix("/login") { problem("sign-in page for a signed-in user"); continue }
                enqueue(resolve(location, against: path), from: path)
                continue
            case 401: problem("asks a signed-in user to sign in (401)"); continue
            case 403: problem("a link the reader may not follow (403)"); continue
            case 404: problem("404"); continue
            default: problem("status \(status.code)"); continue
            }
            if let refusal = try await refusal(of: path, for: actor, on: app.db) { problem(refusal) }
            guard !body.isEmpty else { continue }
            if body.contains("action=\"/login\"") { problem("sign-in form shown to a signed-in user") }
            for href in attributes("href", in: body) { enqueue(resolve(href, against: path), from: path) }
            for form in forms(in: body) {
                let target = resolve(form.action, against: path)
                if form.method == "get" {
                    enqueue(target, from: path)
                } else if !routeExists(.POST, target, in: app) {
                    problems.append(Problem(role: role, path: target ?? form.action, from: path, what: "form posts to no route"))
                }
            }
        }

        func enqueue(_ target: String?, from: String) {
            guard let target, !seen.contains(target) else { return }
            let bare = String(target.split(separator: "?", maxSplits: 1).first ?? "")
            // The language switch and static files are not pages of the campaign.
            if bare.hasPrefix("/css/") || bare.hasPrefix("/js/") || bare.hasPrefix("/images/") || bare.hasPrefix("/lang/") { return }
            if target.contains("?") {
                variants[bare, default: 0] += 1
                if variants[bare]! > 3 { return }
            }
            seen.insert(target)
            queue.append((target, from))
        }
        return (problems, fetched)
    }

    /// Why the policy would not have shown this page to the actor, for the pages about one unit or
    /// one finding (the object-level rules a list's filtering could get wrong).
    func refusal(of path: String, for actor: Actor, on db: any Database) async throws -> String? {
        let parts = path.split(separator: "?").first.map { $0.split(separator: "/").map(String.init) } ?? []
        guard parts.count >= 4, parts[0] == "campaigns",
              let campaign = try await Campaign.find(code: parts[1], on: db) else { return nil }
        switch parts[2] {
        case "units", "scores":
            guard let unit = try await PatrolStore.Unit.query(on: db).filter(\.$code == parts[3]).first() else { return nil }
            let action: Action = parts[2] == "units" ? .viewUnit(unitID: try unit.requireID())
                : .viewUnitScore(unitID: try unit.requireID(), published: campaign.state == .published)
            return AccessPolicy.decide(actor, action) == .allow ? nil : "shown a page the policy refuses (\(action))"
        case "findings":
            guard let f = try await Finding.query(on: db).filter(\.$campaign.$id == campaign.requireID())
                .filter(\.$code == parts[3]).first() else { return nil }
            let action = Action.viewFinding(unitID: f.$unit.id, teamID: f.$team.id, status: f.status)
            return AccessPolicy.decide(actor, action) == .allow ? nil : "shown a finding the policy refuses"
        default:
            return nil
        }
    }

    /// A link as a browser resolves it against the page's path; nil for other sites, fragments and
    /// schemes that are not pages.
    func resolve(_ raw: String, against page: String) -> String? {
        let href = raw.replacingOccurrences(of: "&amp;", with: "&")
        if href.isEmpty || href.hasPrefix("#") || href.hasPrefix("mailto:") || href.hasPrefix("tel:") || href.hasPrefix("javascript:") {
            return nil
        }
        guard let base = URL(string: "http://patrol.test" + page), let url = URL(string: href, relativeTo: base)?.absoluteURL,
              url.host == "patrol.test" else { return nil }
        var path = url.path.isEmpty ? "/" : url.path
        // URL.path drops a trailing slash, which a browser would keep (and the router treats alike).
        if href.split(separator: "?").first?.hasSuffix("/") == true, path != "/" { path += "/" }
        return path + (url.query.map { "?" + $0 } ?? "")
    }

    func attributes(_ name: String, in html: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: "\\s\(name)=\"([^\"]*)\"")
        let range = NSRange(html.startIndex..., in: html)
        return regex.matches(in: html, range: range).compactMap { Range($0.range(at: 1), in: html).map { String(html[$0]) } }
    }

    func forms(in html: String) -> [(method: String, action: String)] {
        let regex = try! NSRegularExpression(pattern: "<form([^>]*)>")
        let range = NSRange(html.startIndex..., in: html)
        return regex.matches(in: html, range: range).compactMap { match in
            guard let r = Range(match.range(at: 1), in: html) else { return nil }
            let tag = " " + String(html[r])
            let method = attributes("method", in: tag).first?.lowercased() ?? "get"
            // A form without an action posts to its own page.
            return (method, attributes("action", in: tag).first ?? "")
        }
    }

    /// Whether some registered route answers this method on this path (parameters match any segment).
    func routeExists(_ method: HTTPMethod, _ target: String?, in app: Application) -> Bool {
        guard let target else { return false }
        let segments = target.split(separator: "?").first.map { $0.split(separator: "/").map(String.init) } ?? []
        return app.routes.all.contains { route in
            guard route.method == method, route.path.count == segments.count else { return false }
            return zip(route.path, segments).allSatisfy { component, segment in
                switch component {
                case .constant(let c): return c == segment
                case .parameter: return !segment.isEmpty
                default: return true
                }
            }
        }
    }
}
