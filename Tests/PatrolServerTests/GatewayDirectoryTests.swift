import Fluent
import Foundation
import PatrolCore
import PatrolStore
import SQLKit
import XCTVapor
@testable import PatrolServer

final class GatewayDirectoryTests: XCTestCase {
    /// The gateway reads scopes with one SQL join instead of through the models; on both databases
    /// it gives exactly what the models say, in the same order (the scope's fingerprint depends on it).
    func testScopeAssetsReadThroughSQLMatchTheModels() async throws {
        try await withEachDatabase { app, location in
            try await app.loadDemoCampaign()
            let campaign = try await Campaign.query(on: app.db).first()
            let id = try XCTUnwrap(campaign?.id)
            let units = try await Unit.query(on: app.db).all()
            let unitCodes = Dictionary(uniqueKeysWithValues: units.map { ($0.id!, $0.code) })
            let expected = try await Asset.query(on: app.db).filter(\.$campaign.$id == id).sort(\.$code).all().map {
                ScopeAsset(code: $0.code, unit: unitCodes[$0.$unit.id] ?? "?", kind: $0.kind, target: $0.target, ports: $0.ports)
            }
            XCTAssertGreaterThan(expected.count, 200, "the demo campaign's assets")
            XCTAssertTrue(expected.contains { $0.ports != nil } && expected.contains { $0.ports == nil }, "with and without ports")
            XCTAssertGreaterThanOrEqual(Set(expected.map(\.kind)).count, 5, "assets of several kinds")

            let read = try await GatewayDirectory.scopeAssets(campaigns: [id, UUID()], on: app.db)
            XCTAssertEqual(Array(read.keys), [id], "\(location.redacted): a campaign without assets has no entry")
            XCTAssertEqual(read[id], expected, "\(location.redacted)")
            let none = try await GatewayDirectory.scopeAssets(campaigns: [], on: app.db)
            XCTAssertTrue(none.isEmpty)
        }
    }

    /// The scope counter moves with every change to assets or unit codes, by any path, and only
    /// then; while it holds, a reload keeps the assets it had (proved with planted ones).
    func testScopeCounterAndReuse() async throws {
        try await withEachDatabase { app, location in
            try await app.loadDemoCampaign()
            let sql = try XCTUnwrap(app.db as? any SQLDatabase)
            func counter() async throws -> Int64 {
                try await sql.raw("SELECT version FROM gateway_scope_version WHERE id = 1").first()!.decode(column: "version", as: Int64.self)
            }
            let campaign = try await Campaign.query(on: app.db).first()!
            campaign.state = .running
            try await campaign.save(on: app.db)
            var seen = try await counter()
            XCTAssertGreaterThan(seen, 0, "\(location.redacted): the import's inserts counted")

            let asset = try await Asset.query(on: app.db).sort(\.$code).first()!
            for (what, change) in [
                ("update through the model", { asset.target = "changed.example.gov.cn"; try await asset.save(on: app.db) }),
                ("update in plain SQL", { try await sql.raw("UPDATE assets SET ports = '8443' WHERE id = \(bind: asset.id!)").run() }),
                ("unit code", { try await sql.raw("UPDATE units SET code = code || 'X' WHERE id = \(bind: asset.$unit.id)").run() }),
                ("delete", { try await asset.delete(on: app.db) }),
            ] as [(String, () async throws -> Void)] {
                try await change()
                let now = try await counter()
                XCTAssertGreaterThan(now, seen, "\(location.redacted): \(what)")
                seen = now
            }
            try await sql.raw("UPDATE units SET name = name || ' ' WHERE code LIKE 'D%'").run()
            try await Campaign.query(on: app.db).set(\.$name, to: "renamed").update()
            let unchanged = try await counter()
            XCTAssertEqual(unchanged, seen, "\(location.redacted): other columns and tables leave it")

            let first = try await GatewayDirectory.load(on: app.db)
            XCTAssertEqual(first.scopeStamp?.version, seen)
            let entry = try XCTUnwrap(first.campaigns.first)
            XCTAssertFalse(entry.assets.contains { $0.code == asset.code }, "the deleted asset is gone")
            var planted = first
            planted.campaigns[0].assets = [ScopeAsset(code: "PLANTED", unit: "U", kind: .ip, target: "192.0.2.1", ports: nil)]
            planted.campaigns[0].assetsFingerprint = "planted"
            let kept = try await GatewayDirectory.load(on: app.db, previous: planted)
            XCTAssertEqual(kept.campaigns.first?.assets.map(\.code), ["PLANTED"], "\(location.redacted): same counter, assets kept")
            XCTAssertEqual(kept.campaigns.first?.assetsFingerprint, "planted")
            XCTAssertEqual(kept.assetsReadAt, first.assetsReadAt, "kept assets keep the time they were read")
            let later = try await GatewayDirectory.load(on: app.db, previous: planted,
                                                        now: first.assetsReadAt.addingTimeInterval(GatewayDirectory.assetsKeptFor + 1))
            XCTAssertEqual(later.campaigns.first?.assets, entry.assets, "\(location.redacted): read again after the backstop interval")
            var otherCount = planted
            otherCount.scopeStamp?.version -= 1
            let reread = try await GatewayDirectory.load(on: app.db, previous: otherCount)
            XCTAssertEqual(reread.campaigns.first?.assets, entry.assets, "\(location.redacted): another counter, read again")
            var otherDatabase = planted
            otherDatabase.scopeStamp?.generation = UUID().uuidString
            let fromAnother = try await GatewayDirectory.load(on: app.db, previous: otherDatabase)
            XCTAssertEqual(fromAnother.campaigns.first?.assets, entry.assets, "\(location.redacted): another generation, read again")

            // A campaign that starts running at an unchanged counter has its assets read.
            let second = Campaign(code: "CZ2023", name: "second", timeZone: campaign.timeZone, startsAt: campaign.startsAt,
                                  endsAt: campaign.endsAt, state: .draft)
            try await second.create(on: app.db)
            try await Asset(campaignID: second.requireID(), unitID: asset.$unit.id, code: "X-1", kind: .ip, target: "192.0.2.77",
                            origin: .declared).create(on: app.db)
            let before = try await GatewayDirectory.load(on: app.db)
            XCTAssertEqual(before.campaigns.count, 1)
            second.state = .running
            try await second.save(on: app.db)
            let after = try await GatewayDirectory.load(on: app.db, previous: before)
            XCTAssertEqual(after.scopeStamp, before.scopeStamp, "a campaign's state is not part of the counter")
            XCTAssertEqual(after.campaigns.first { $0.code == "CZ2023" }?.assets.map(\.target), ["192.0.2.77"],
                           "\(location.redacted): the newly running campaign's assets")
        }
    }
}
