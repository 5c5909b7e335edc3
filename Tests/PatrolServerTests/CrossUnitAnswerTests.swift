import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// Issue 18, item 4: a liaison asking for another unit's finding, notice, asset or evidence gets
/// exactly the answer an object that does not exist gets, and it names nothing of that unit.
/// Every route that takes such an object is tried, so a new route is covered when it is added.
final class CrossUnitAnswerTests: XCTestCase {
    static let objectParameters: Set<String> = ["finding", "notice", "asset", "evidence"]

    struct Probe {
        var route: Route
        var other: String
        var missing: String
    }

    func testAnotherUnitsObjectsAnswerAsIfAbsent() async throws {
        try await withEachDatabase { app, location in
            // setup: li1 is D01's liaison; D02's objects are the ones asked for
            try await app.loadRunningDemoCampaign()
            let campaign = try await Campaign.find(code: "CZ2022", on: app.db)!
            try await app.makeUser("li1", .liaison, unit: "D01")
            let other = try await PatrolStore.Unit.query(on: app.db).filter(\.$code == "D02").first()!
            let findings = try await Finding.query(on: app.db).filter(\.$unit.$id == other.requireID()).all()
            let finding = try XCTUnwrap(findings.first { $0.$notice.id != nil } ?? findings.first, "D02 has findings")
            let notice = try await Notice.query(on: app.db).filter(\.$unit.$id == other.requireID()).first()
            let assets = try await Asset.query(on: app.db).filter(\.$unit.$id == other.requireID()).all()
            let asset = try XCTUnwrap(assets.first)
            let file = EvidenceFile()
            file.$finding.id = try finding.requireID()
            file.sha256 = String(repeating: "ab", count: 32)
            file.size = 12
            file.contentType = "text/plain"
            file.originalName = "d02-secret-evidence.txt"
            try await file.create(on: app.db)
            // What the answers must never contain: the other unit's name, the finding's title, the asset's target.
            let secrets = [other.name, finding.title, asset.target, file.originalName]

            let values: [String: (other: String, missing: String)] = [
                "campaign": (campaign.code, campaign.code),
                "finding": (finding.code, "F-NO-SUCH-1"),
                "notice": (notice?.code ?? "N-NONE", "N-NO-SUCH-1"),
                "asset": (asset.code, "A-NO-SUCH-1"),
                "evidence": (try file.requireID().uuidString, UUID().uuidString),
            ]
            let api = try await app.token(for: "li1", kind: .api)
            let web = try await app.token(for: "li1", kind: .web)
            var probed = 0
            for route in app.routes.all {
                let names = route.path.compactMap { if case .parameter(let name) = $0 { name } else { nil } }
                guard names.contains(where: Self.objectParameters.contains),
                      names.allSatisfy({ values[$0] != nil }) else { continue }
                if names.contains("notice"), notice == nil { continue }
                func path(_ pick: (String, String) -> String) -> String {
                    "/" + route.path.map { component in
                        switch component {
                        case .constant(let word): return word
                        case .parameter(let name): let v = values[name]!; return pick(v.other, v.missing)
                        default: return component.description
                        }
                    }.joined(separator: "/")
                }
                let isAPI = route.path.first == .constant("api")
                let answers = try await [path { o, _ in o }, path { _, m in m }].asyncMap { target in
                    try await Self.ask(app, route.method, target, isAPI: isAPI, token: isAPI ? api : web)
                }
                // The answer for D02's object with its code taken out is the answer for no object at all.
                var forOther = answers[0].body, forMissing = answers[1].body
                for (name, v) in values where name != "campaign" {
                    forOther = forOther.replacingOccurrences(of: v.other, with: "…")
                    forMissing = forMissing.replacingOccurrences(of: v.missing, with: "…")
                }
                let label = "\(route.method) \(route.path.string) on \(location.redacted)"
                XCTAssertEqual(answers[0].status, answers[1].status, label)
                XCTAssertEqual(forOther, forMissing, label)
                for secret in secrets {
                    XCTAssertFalse(answers[0].body.contains(secret), "\(label) names \(secret)")
                }
                probed += 1
            }
            XCTAssertGreaterThan(probed, 15, "routes for findings, notices, assets and evidence were found")

            // Control: the same liaison reaches their own unit's objects by the same paths, so the
            // answers above are refusals, not paths built wrong.
            let own = try await PatrolStore.Unit.query(on: app.db).filter(\.$code == "D01").first()!
            let ownFinding = try await Finding.query(on: app.db).filter(\.$unit.$id == own.requireID()).all()
                .first { $0.status.isNotified }
            let ownAsset = try await Asset.query(on: app.db).filter(\.$unit.$id == own.requireID()).first()
            let ownFindingPath = try XCTUnwrap(ownFinding.map { campaign.url(.finding(.value($0.code), .page)) })
            let ownAssetPath = try XCTUnwrap(ownAsset.map { SiteURL.api(.campaign(.value(campaign.code), .asset(.value($0.code), .page))) })
            for (url, isAPI) in [(ownFindingPath, false), (ownAssetPath, true), (SiteURL.api(.campaign(.value(campaign.code), .finding(.value(ownFinding!.code), .page))), true)] {
                let answer = try await Self.ask(app, .GET, url.path, isAPI: isAPI, token: isAPI ? api : web)
                XCTAssertEqual(answer.status, .ok, url.path)
            }

            // Lists filtered by the other unit answer as for a unit that does not exist.
            for list in [SiteURL.api(.campaign(.value(campaign.code), .findings)), SiteURL.api(.campaign(.value(campaign.code), .assets)),
                         SiteURL.api(.campaign(.value(campaign.code), .notices)), campaign.url(.findings)] {
                let isAPI = list.path.hasPrefix("/api/")
                let forOther = try await Self.ask(app, .GET, list.path(query: [("unit", "D02")]), isAPI: isAPI, token: isAPI ? api : web)
                let forNone = try await Self.ask(app, .GET, list.path(query: [("unit", "ZZ99")]), isAPI: isAPI, token: isAPI ? api : web)
                XCTAssertEqual(forOther.status, forNone.status, list.path)
                XCTAssertEqual(forOther.body.replacingOccurrences(of: "D02", with: "…"),
                               forNone.body.replacingOccurrences(of: "ZZ99", with: "…"), list.path)
                for secret in secrets { XCTAssertFalse(forOther.body.contains(secret), "\(list.path) names \(secret)") }
            }
        }
    }

    static func ask(_ app: Application, _ method: HTTPMethod, _ path: String, isAPI: Bool,
                    token: String) async throws -> (status: HTTPStatus, body: String) {
        var result: (HTTPStatus, String) = (.ok, "")
        let headers: HTTPHeaders = isAPI ? ["Authorization": "Bearer \(token)"]
            : ["Cookie": "patrol_csrf=\(testCSRF); patrol_session=\(token)"]
        try await app.test(method, path, headers: headers, beforeRequest: { req async throws in
            guard method != .GET && method != .HEAD else { return }
            if isAPI {
                req.headers.contentType = .json
                req.body = .init(string: "{}")
            } else {
                req.headers.contentType = .urlEncodedForm
                req.body = .init(string: formBody([:]))
            }
        }) { res async throws in
            var body = res.body.string
            if isAPI, let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)),
               let sorted = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
                body = String(decoding: sorted, as: UTF8.self)
            }
            result = (res.status, body)
        }
        return result
    }
}

private extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
