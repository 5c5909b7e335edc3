import Fluent
import PatrolCore
import PatrolStore
import SQLKit
import XCTVapor
@testable import PatrolServer

final class BundleAndAuditTests: XCTestCase {
    let context = AuditContext(actorID: nil, actor: "test", clientAddress: "local")

    func testExportImportExportIsTheSameDocument() async throws {
        try await withEachDatabase { app, location in
            try await app.loadDemoCampaign()
            let first = try await BundleExporter.export(campaignCode: "CZ2022", on: app.db).encoded()
            let checked = try BundleValidator.check(try CampaignBundle.decode(first))
            _ = try await BundleImporter.importBundle(checked, replace: true, on: app.db, context: context)
            let second = try await BundleExporter.export(campaignCode: "CZ2022", on: app.db).encoded()
            XCTAssertEqual(String(decoding: first, as: UTF8.self), String(decoding: second, as: UTF8.self), location.redacted)
            // The demo regenerates identically too: the export is the demo, nothing lost.
            let demo = try BundleValidator.check(try DemoCampaign.bundle())
            XCTAssertEqual(demo.findings.count, checked.findings.count)
        }
    }

    func testExistingCampaignIsRefusedWithoutReplace() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            let checked = try BundleValidator.check(try DemoCampaign.bundle())
            do {
                _ = try await BundleImporter.importBundle(checked, replace: false, on: app.db, context: context)
                XCTFail("imported twice")
            } catch let error as BundleError {
                XCTAssertEqual(error.description, "campaign CZ2022: campaign \"CZ2022\" already exists (use --replace to overwrite it)")
            }
        }
    }

    func testFailedImportLeavesNothingBehind() async throws {
        try await withEachDatabase { app, _ in
            var bundle = try DemoCampaign.bundle()
            bundle.campaign.code = "HALF"
            // Valid document, but the second asset collides with the first inside the database's
            // unique (campaign, code) constraint only after dozens of rows were written.
            let checked = try BundleValidator.check(bundle)
            var broken = checked
            broken.assets[40].code = broken.assets[0].code
            do {
                _ = try await BundleImporter.importBundle(broken, replace: false, on: app.db, context: context)
                XCTFail("import should fail")
            } catch {}
            let campaigns = try await Campaign.query(on: app.db).count()
            let units = try await PatrolStore.Unit.query(on: app.db).count()
            let assets = try await Asset.query(on: app.db).count()
            let audit = try await AuditEvent.query(on: app.db).count()
            XCTAssertEqual([campaigns, units, assets, audit], [0, 0, 0, 0])
        }
    }

    func testAuditVerifyFindsTheFirstBrokenLink() async throws {
        try await withEachDatabase { app, location in
            for i in 1...6 {
                try await AuditLog.append(on: app.db, context, action: "test", objectType: "thing", objectID: "\(i)")
            }
            var result = try await AuditLog.verify(on: app.db, pageSize: 4)
            XCTAssertNil(result.firstBreak)
            XCTAssertEqual(result.checked, 6)
            // The table refuses changes; someone with database access removes the guard and edits entry 4.
            let sql = app.db as! any SQLDatabase
            if location.isPostgres {
                try await sql.raw("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change").run()
            } else {
                do {
                    try await sql.raw("UPDATE audit_events SET object_id = 'x' WHERE seq = 2").run()
                    XCTFail("audit_events accepted an update")
                } catch {}
                try await sql.raw("DROP TRIGGER audit_events_no_update").run()
            }
            try await sql.raw("UPDATE audit_events SET object_id = 'tampered' WHERE seq = 4").run()
            result = try await AuditLog.verify(on: app.db, pageSize: 4)
            XCTAssertEqual(result.firstBreak, .hashMismatch(seq: 4))
        }
    }

    func testOpenAPIDescribesEveryAPIRoute() async throws {
        try await withEachDatabase { app, _ in
            var documented: Set<String> = []
            try await app.test(.GET, "/api/v1/openapi.json") { res async throws in
                XCTAssertEqual(res.status, .ok)
                let doc = try JSONSerialization.jsonObject(with: Data(res.body.readableBytesView)) as! [String: Any]
                XCTAssertEqual(doc["openapi"] as? String, "3.1.0")
                for (path, ops) in doc["paths"] as! [String: [String: Any]] {
                    for method in ops.keys { documented.insert("\(method.uppercased()) \(path)") }
                }
            }
            let registered = Set(app.routes.all.filter { $0.path.first.map { "\($0)" } == "api" }.map { route in
                "\(route.method.rawValue) /" + route.path.map { c in
                    let s = "\(c)"
                    return s.hasPrefix(":") ? "{\(s.dropFirst())}" : s
                }.joined(separator: "/")
            })
            XCTAssertEqual(registered.subtracting(documented), [], "undocumented API routes")
            XCTAssertEqual(documented.subtracting(registered), [], "documented routes that do not exist")
        }
    }

    func testPagesRenderForEveryRole() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            try await app.makeUser("p-admin", .admin)
            let token = try await app.token(for: "p-admin", kind: .web)
            for path in ["/campaigns", "/campaigns/CZ2022", "/campaigns/CZ2022/units?group=district", "/campaigns/CZ2022/units/D01",
                         "/campaigns/CZ2022/assets?q=example", "/campaigns/CZ2022/units/D01/assets/new",
                         "/campaigns/CZ2022/assets/D01-1/edit", "/admin/users", "/admin/users/new", "/admin/audit", "/password",
                         "/campaigns/CZ2022/scores", "/campaigns/CZ2022/scores?group=regulator", "/campaigns/CZ2022/scores/G03",
                         "/campaigns/CZ2022/scoring-policy", "/campaigns/CZ2022/findings/F0016", "/campaigns/CZ2022/teams",
                         "/campaigns/CZ2022/findings", "/campaigns/CZ2022/findings?status=submitted&sort=newest",
                         "/campaigns/CZ2022/notices", "/campaigns/CZ2022/notices/CZ2022-D01-001",
                         "/admin/sms", "/admin/sms?status=failed&event=notice&q=138", "/admin/sms?unit=D01"] {
                try await app.test(.GET, path, headers: ["Cookie": "patrol_session=\(token)"]) { res async throws in
                    XCTAssertEqual(res.status, .ok, path)
                    XCTAssertTrue(res.body.string.contains("<html lang=\"zh-CN\">"), path)
                    XCTAssertFalse(res.body.string.contains("#("), "unrendered Leaf in \(path)")
                }
            }
            try await app.test(.GET, "/campaigns/CZ2022/units", headers: ["Cookie": "patrol_session=\(token); patrol_lang=en"]) { res async throws in
                XCTAssertTrue(res.body.string.contains("Ranking group"))
            }
        }
    }
}
