import Fluent
import Foundation
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// Bundles read and written as streams, past the sizes that broke one INSERT per table (5,000
/// findings on PostgreSQL's 65,535 binds, 20,000 on SQLite's 250,000): a file imports batch by
/// batch in one transaction, a broken entry late in the file leaves nothing behind, and the
/// streamed export reads back to the same text.
final class BundleStreamTests: XCTestCase {
    let context = AuditContext(actorID: nil, actor: "test", clientAddress: "local")

    /// The demo campaign with its findings copied until there are at least `count`, codes made
    /// unique per copy; the very first finding becomes a duplicate of the very last, so the link
    /// crosses every batch.
    private func largeBundle(findings count: Int) throws -> CampaignBundle {
        var bundle = try DemoCampaign.bundle()
        let originals = bundle.findings
        var findings = originals
        var copy = 1
        while findings.count < count {
            for f in originals {
                var g = f
                g.code = "\(f.code)-\(copy)"
                g.duplicateOf = f.duplicateOf.map { "\($0)-\(copy)" }
                findings.append(g)
            }
            copy += 1
        }
        findings[0].status = "duplicate"
        findings[0].duplicateOf = findings[findings.count - 1].code
        findings[0].notifiedAt = nil
        findings[0].remediations = nil
        bundle.notices = bundle.notices?.map { n in
            var n = n
            n.findings.removeAll { $0 == findings[0].code }
            return n
        }.filter { !$0.findings.isEmpty }
        bundle.findings = findings
        return bundle
    }

    private func temporaryFile(_ data: Data) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bundle-\(UUID().uuidString).json")
        try data.write(to: url)
        return url
    }

    private func importFile(_ url: URL, replace: Bool, on db: any Database,
                            progress: @escaping @Sendable (Int) -> Void = { _ in }) async throws -> BundleImporter.Summary {
        let reader = try BundleFileReader(path: url.path)
        return try await BundleImporter.importBundle(head: reader.checker.head, findings: reader, replace: replace,
                                                     on: db, context: context, progress: progress)
    }

    func testLargeFileImportsInBatchesAndExportsTheSameText() async throws {
        let bundle = try largeBundle(findings: 6_000)
        let source = try temporaryFile(try bundle.encoded())
        defer { try? FileManager.default.removeItem(at: source) }
        try await withEachDatabase { app, location in
            let seen = ProgressLog()
            let summary = try await importFile(source, replace: false, on: app.db) { seen.add($0) }
            XCTAssertEqual(summary.findings, bundle.findings.count, location.redacted)
            let stored = try await Finding.query(on: app.db).count()
            XCTAssertEqual(stored, bundle.findings.count, location.redacted)
            // Progress after every batch of a thousand, ending at the total.
            let steps = seen.values
            XCTAssertEqual(steps.first, BundleImporter.findingBatch, location.redacted)
            XCTAssertEqual(steps.last, bundle.findings.count, location.redacted)
            XCTAssertEqual(steps.count, (bundle.findings.count + BundleImporter.findingBatch - 1) / BundleImporter.findingBatch)

            // The duplicate in the first batch points at the original written in the last.
            let first = try await Finding.query(on: app.db).filter(\.$code == bundle.findings[0].code).first()
            let last = try await Finding.query(on: app.db).filter(\.$code == bundle.findings.last!.code).first()
            XCTAssertNotNil(last?.id)
            XCTAssertEqual(first?.$duplicateOf.id, last?.id, location.redacted)

            // Export streamed to a file, imported from that file over the campaign, exported again.
            let exported = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).json")
            defer { try? FileManager.default.removeItem(at: exported) }
            FileManager.default.createFile(atPath: exported.path, contents: nil)
            let handle = try FileHandle(forWritingTo: exported)
            try await BundleExporter.write(campaignCode: bundle.campaign.code, on: app.db) { try handle.write(contentsOf: $0) }
            try handle.close()
            _ = try await importFile(exported, replace: true, on: app.db)
            let again = try await BundleExporter.encoded(campaignCode: bundle.campaign.code, on: app.db)
            XCTAssertEqual(try Data(contentsOf: exported), again, location.redacted)
            // Nothing of the first import is left beside the second.
            let afterReplace = try await Finding.query(on: app.db).count()
            XCTAssertEqual(afterReplace, bundle.findings.count, location.redacted)
            let remediations = bundle.findings.flatMap { $0.remediations ?? [] }
            XCTAssertGreaterThan(remediations.count, 0, "the bundle has remediation reports")
            let reportCount = try await RemediationReport.query(on: app.db).count()
            let retestCount = try await Retest.query(on: app.db).count()
            XCTAssertEqual(reportCount, remediations.count, location.redacted)
            XCTAssertEqual(retestCount, remediations.filter { $0.retest != nil }.count, location.redacted)
            // And the exported document is the bundle that went in, finding for finding.
            let read = try CampaignBundle.decode(again)
            XCTAssertEqual(Set(read.findings.map(\.code)), Set(bundle.findings.map(\.code)))
            XCTAssertEqual(read.findings.first { $0.code == bundle.findings[0].code }?.duplicateOf, bundle.findings.last!.code)
        }
    }

    func testBrokenFindingLateInTheFileLeavesNothingBehind() async throws {
        var bundle = try largeBundle(findings: 3_500)
        let late = bundle.findings.count - 2
        bundle.findings[late].team = "T99"
        let source = try temporaryFile(try bundle.encoded())
        defer { try? FileManager.default.removeItem(at: source) }
        try await withEachDatabase { app, location in
            do {
                _ = try await importFile(source, replace: false, on: app.db)
                XCTFail("imported a bundle with an unknown team")
            } catch let error as BundleError {
                XCTAssertEqual(error.description, "finding \(bundle.findings[late].code): unknown team \"T99\"", location.redacted)
            }
            let campaigns = try await Campaign.query(on: app.db).count()
            let findings = try await Finding.query(on: app.db).count()
            let units = try await PatrolStore.Unit.query(on: app.db).count()
            XCTAssertEqual([campaigns, findings, units], [0, 0, 0], location.redacted)
        }
    }

    func testDuplicateOfMissingOriginalIsRefusedAfterTheLastBatch() async throws {
        var bundle = try largeBundle(findings: 2_500)
        bundle.findings[0].duplicateOf = "NOWHERE"
        let source = try temporaryFile(try bundle.encoded())
        defer { try? FileManager.default.removeItem(at: source) }
        try await withEachDatabase { app, location in
            do {
                _ = try await importFile(source, replace: false, on: app.db)
                XCTFail("imported a duplicate of nothing")
            } catch let error as BundleError {
                XCTAssertEqual(error.description, "finding \(bundle.findings[0].code): unknown duplicateOf \"NOWHERE\"",
                               location.redacted)
            }
            let findings = try await Finding.query(on: app.db).count()
            XCTAssertEqual(findings, 0, location.redacted)
        }
    }

    func testFindingsThatAreNotAListAreRefusedBeforeAnythingIsWritten() throws {
        let url = try temporaryFile(Data(#"{"format": "patrol.campaign.v1", "findings": {"code": "F1"}}"#.utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try BundleFileReader(path: url.path)) { error in
            XCTAssertEqual((error as? BundleError)?.description, "document: field \"findings\" must be Array")
        }
    }

    func testBadEntryIsNamedByItsPlaceAndField() async throws {
        var text = String(decoding: try DemoCampaign.bundle().encoded(), as: UTF8.self)
        // The first finding's code becomes a number; asset codes differ from finding codes.
        let code = try DemoCampaign.bundle().findings[0].code
        guard let range = text.range(of: "\"code\" : \"\(code)\"") ?? text.range(of: "\"code\":\"\(code)\"") else {
            return XCTFail("no finding \(code) in the canonical text")
        }
        text.replaceSubrange(range, with: "\"code\" : 17")
        let url = try temporaryFile(Data(text.utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        let reader = try BundleFileReader(path: url.path)
        XCTAssertThrowsError(try reader.nextFindings(limit: 100_000)) { error in
            XCTAssertEqual((error as? BundleError)?.description, "findings[0]: field \"code\" must be String")
        }
    }
}

/// The progress a test import reported, from the importer's task.
private final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Int] = []
    func add(_ n: Int) { lock.withLock { list.append(n) } }
    var values: [Int] { lock.withLock { list } }
}
