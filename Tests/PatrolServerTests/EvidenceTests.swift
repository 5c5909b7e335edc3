import Fluent
import PatrolCore
import PatrolStore
import XCTVapor
@testable import PatrolServer

/// Evidence files: sniffed, capped, stored by hash, all-or-nothing, and served only to those who
/// may see the finding, as attachments.
final class EvidenceTests: XCTestCase {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0x42, count: 64)
    static let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00] + Array(repeating: 0, count: 64)

    /// A multipart body with the files under `files[]`.
    func multipart(_ files: [(name: String, bytes: [UInt8])], boundary: String = "patrol-boundary") -> ByteBuffer {
        var buffer = ByteBuffer()
        for f in files {
            buffer.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"files[]\"; filename=\"\(f.name)\"\r\n"
                               + "Content-Type: application/octet-stream\r\n\r\n")
            buffer.writeBytes(f.bytes)
            buffer.writeString("\r\n")
        }
        buffer.writeString("--\(boundary)--\r\n")
        return buffer
    }

    func testUploadSniffServeAndRefuse() async throws {
        try await withEachDatabase(adjust: { $0.uploadMaxBytes = 1024 * 1024 }) { app, _ in
            try await app.loadDemoCampaign()
            try await app.makeUser("e-tester", .tester, team: "T01")
            try await app.makeUser("e-tester2", .tester, team: "T02")
            try await app.makeUser("e-reviewer", .reviewer)
            try await app.makeUser("e-liaison", .liaison, unit: "D01")
            let f = try await Finding.query(on: app.db).with(\.$team).filter(\.$status == .submitted).all().first { $0.team.code == "T01" }!
            let path = "/api/v1/campaigns/CZ2022/findings/\(f.code)/evidence"
            func auth(_ u: String) async throws -> HTTPHeaders {
                ["Authorization": "Bearer \(try await app.token(for: u, kind: .api))",
                 "Content-Type": "multipart/form-data; boundary=patrol-boundary"]
            }
            let tester = try await auth("e-tester")

            // An executable named like an image is refused by its content; nothing of the batch is kept.
            try await app.test(.POST, path, headers: tester, body: self.multipart([("ok.png", Self.png), ("shot.png", Self.elf)])) { res async throws in
                XCTAssertEqual(res.status, .unsupportedMediaType)
                XCTAssertTrue(res.body.string.contains("shot.png"))
            }
            let kept = try await EvidenceFile.query(on: app.db).count()
            XCTAssertEqual(kept, 0)

            // Over the cap: 413.
            try await app.test(.POST, path, headers: tester, body: self.multipart([("big.txt", Array(repeating: 0x41, count: 1024 * 1024 + 10))])) { res async throws in
                XCTAssertEqual(res.status, .payloadTooLarge)
            }

            var id = ""
            try await app.test(.POST, path, headers: tester, body: self.multipart([("../../etc/截图.png", Self.png), ("notes.txt", Array("复现步骤\n".utf8))])) { res async throws in
                XCTAssertEqual(res.status, .created, res.body.string)
                let saved = try res.content.decode([EvidenceController.EvidenceDTO].self)
                XCTAssertEqual(saved.map(\.name), ["截图.png", "notes.txt"], "path parts are dropped from names")
                XCTAssertEqual(saved.map(\.contentType), ["image/png", "text/plain; charset=utf-8"])
                id = saved[0].id.uuidString
            }
            // Another team and the unit (not yet notified) cannot upload or read.
            try await app.test(.POST, path, headers: try await auth("e-tester2"), body: self.multipart([("x.png", Self.png)])) { res async throws in
                XCTAssertEqual(res.status, .notFound)
            }
            for user in ["e-tester2", "e-liaison"] {
                try await app.test(.GET, path + "/" + id, headers: try await auth(user)) { res async throws in
                    XCTAssertEqual(res.status, .notFound, user)
                }
            }
            // The reviewer downloads it: an attachment, never inline, never sniffed.
            try await app.test(.GET, path + "/" + id, headers: try await auth("e-reviewer")) { res async throws in
                XCTAssertEqual(res.status, .ok)
                XCTAssertEqual(Array(res.body.readableBytesView), Self.png)
                XCTAssertEqual(res.headers.first(name: .contentType), "image/png")
                XCTAssertTrue(res.headers.first(name: .contentDisposition)?.hasPrefix("attachment;") ?? false)
                XCTAssertEqual(res.headers.first(name: "X-Content-Type-Options"), "nosniff")
                XCTAssertTrue(res.headers.first(name: "Content-Security-Policy")?.contains("sandbox") ?? false)
            }
            // Stored once by content hash under the data directory, never under Public/.
            let stored = try await EvidenceFile.query(on: app.db).all()
            let file = EvidenceStore(dataDirectory: app.patrolOptions.dataDirectory).root
                .appendingPathComponent(String(stored[0].sha256.prefix(2))).appendingPathComponent(stored[0].sha256)
            XCTAssertTrue(FileManager.default.fileExists(atPath: file.path))
            let audits = try await AuditEvent.query(on: app.db).filter(\.$action == "evidence.upload").count()
            XCTAssertEqual(audits, 2)
        }
    }

    func testRemediationReportWithAttachments() async throws {
        try await withEachDatabase { app, _ in
            try await app.loadDemoCampaign()
            let f = try await Finding.query(on: app.db).filter(\.$status == .notified).with(\.$unit).first()!
            try await app.makeUser("r-liaison", .liaison, unit: f.unit.code)
            var headers: HTTPHeaders = ["Authorization": "Bearer \(try await app.token(for: "r-liaison", kind: .api))",
                                        "Content-Type": "multipart/form-data; boundary=b0"]
            func body(_ file: [UInt8]) -> ByteBuffer {
                var b = ByteBuffer()
                b.writeString("--b0\r\nContent-Disposition: form-data; name=\"summary\"\r\n\r\n已升级中间件\r\n")
                b.writeString("--b0\r\nContent-Disposition: form-data; name=\"shellsRemoved\"\r\n\r\ntrue\r\n")
                b.writeString("--b0\r\nContent-Disposition: form-data; name=\"files[]\"; filename=\"整改截图.png\"\r\n\r\n")
                b.writeBytes(file)
                b.writeString("\r\n--b0--\r\n")
                return b
            }
            let path = "/api/v1/campaigns/CZ2022/findings/\(f.code)/remediations"
            // A refused attachment refuses the whole report: the finding stays notified.
            try await app.test(.POST, path, headers: headers, body: body(Self.elf)) { res async throws in
                XCTAssertEqual(res.status, .unsupportedMediaType)
            }
            let still = try await Finding.find(f.id, on: app.db)!.status
            XCTAssertEqual(still, .notified)
            try await app.test(.POST, path, headers: headers, body: body(Self.png)) { res async throws in
                XCTAssertEqual(res.status, .created, res.body.string)
                XCTAssertEqual(try res.content.decode(FindingDTO.self).status, "remediated")
            }
            let report = try await RemediationReport.query(on: app.db).filter(\.$finding.$id == f.requireID())
                .sort(\.$submittedAt, .descending).first()!
            let files = try await EvidenceFile.query(on: app.db).filter(\.$report.$id == report.requireID()).all()
            XCTAssertEqual(files.map(\.originalName), ["整改截图.png"])
            headers.remove(name: .contentType)
        }
    }
}
