import Fluent
import FluentSQLiteDriver
import Foundation
import Logging
import PatrolGateway
import PatrolStore
import SQLKit
import XCTVapor
@testable import PatrolServer

/// An SQLite database file as `patrol serve` and `patrol gateway` set it up: page size, write-ahead
/// log, and a log the gateway's writer keeps small by checkpointing.
final class SQLiteFileTests: XCTestCase {
    func scratchFile() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("patrol-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.appendingPathComponent("patrol.sqlite").path
    }

    func pragma(_ name: String, on db: any Database) async throws -> String {
        let rows = try await (db as! any SQLDatabase).raw("PRAGMA \(unsafeRaw: name)").all()
        let row = try XCTUnwrap(rows.first)
        let column = try XCTUnwrap(row.allColumns.first)
        if let number = try? row.decode(column: column, as: Int.self) { return String(number) }
        return try row.decode(column: column, as: String.self)
    }

    /// Rows with bodies that do not compress (so each stores its full size), unique per row.
    func rows(_ count: Int, from offset: Int, bodyBytes: Int, noise: [UInt8]) -> [GatewayRecordRow] {
        (0..<count).map { i in
            var row = GatewayRecordRow(client: "127.0.0.1:1", kind: "http", url: "http://127.0.0.1/\(offset + i)", host: "127.0.0.1",
                                       port: 80, startedAt: Date(), decision: "allowed")
            let start = ((offset + i) * 7919) % (noise.count - bodyBytes)
            row.responseBody = Data(noise[start..<(start + bodyBytes)])
            row.responseBodySize = bodyBytes
            return row
        }
    }

    /// A new file gets 16 KiB pages and write-ahead logging; the gateway's writer checkpoints the
    /// log at about 4 MiB, so the log file stays near that size however much is recorded.
    func testNewFileHasLargePagesAndTheWriterKeepsTheLogSmall() async throws {
        let path = try scratchFile()
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<(256 * 1024)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try await withApp(on: .sqliteFile(path)) { app in
            let pageSize = try await pragma("page_size", on: app.db)
            XCTAssertEqual(pageSize, String(SQLiteFile.pageSize))
            let journal = try await pragma("journal_mode", on: app.db)
            XCTAssertEqual(journal, "wal")

            let batcher = RecordBatcher(logger: Logger(label: "test"), backlogLimit: .max)
            defer { batcher.close() }
            // 16 batches of ~1.2 MiB: 19 MiB recorded, more than SQLite's default checkpoint (1,000
            // pages, 16 MiB at this page size) would let the log grow to.
            var largestLog: UInt64 = 0
            XCTAssertNil(batcher.sqliteWriterCPU, "no writer before the first batch")
            for batch in 0..<16 {
                for row in rows(300, from: batch * 300, bodyBytes: 4096, noise: noise) { batcher.append(row) }
                let written = try await batcher.flush(on: app.db)
                XCTAssertEqual(written, 300)
                let log = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? UInt64 ?? 0
                largestLog = max(largestLog, log)
            }
            let stored = try await GatewayRecord.query(on: app.db).count()
            XCTAssertEqual(stored, 16 * 300)
            XCTAssertGreaterThan(largestLog, 0, "the database is in write-ahead mode")
            // 19 MiB through SQLite takes milliseconds of the writing thread's CPU, not none.
            XCTAssertGreaterThan(try XCTUnwrap(batcher.sqliteWriterCPU), .milliseconds(1))
            XCTAssertLessThan(largestLog, UInt64(SQLiteFile.checkpointBytes + 3 << 20),
                              "the log is checkpointed near \(SQLiteFile.checkpointBytes) bytes plus one batch")
        }
    }

    /// A file created before (SQLite's default 4 KiB pages) keeps its pages and its data, is switched
    /// to write-ahead logging, and the gateway's writer records into it.
    func testExistingFileKeepsItsPageSize() async throws {
        let path = try scratchFile()
        let earlier = try await Application.make(.testing)
        do {
            earlier.databases.use(.sqlite(.file(path)), as: .sqlite)
            try await (earlier.db as! any SQLDatabase).raw("CREATE TABLE earlier (note TEXT)").run()
            try await (earlier.db as! any SQLDatabase).raw("INSERT INTO earlier VALUES ('kept')").run()
            try await earlier.asyncShutdown()
        } catch {
            try? await earlier.asyncShutdown()
            throw error
        }
        try await withApp(on: .sqliteFile(path)) { app in
            let pageSize = try await pragma("page_size", on: app.db)
            XCTAssertEqual(pageSize, "4096")
            let journal = try await pragma("journal_mode", on: app.db)
            XCTAssertEqual(journal, "wal")
            let note = try await (app.db as! any SQLDatabase).raw("SELECT note FROM earlier").first()?.decode(column: "note", as: String.self)
            XCTAssertEqual(note, "kept")
            let batcher = RecordBatcher(logger: Logger(label: "test"), backlogLimit: .max)
            defer { batcher.close() }
            for row in rows(50, from: 0, bodyBytes: 512, noise: Array(repeating: 7, count: 4096)) { batcher.append(row) }
            let written = try await batcher.flush(on: app.db)
            XCTAssertEqual(written, 50)
        }
    }

    /// A file in a folder that does not exist stops configuration with an error naming the folder
    /// (SQLite's own said only "cantOpen"); files in existing folders and other databases pass.
    func testAMissingFolderIsNamed() async throws {
        let app = try await Application.make(.testing)
        let options = PatrolOptions(database: .sqliteFile("/nonexistent-\(UUID().uuidString)/data/patrol.sqlite"),
                                    dataDirectory: FileManager.default.temporaryDirectory.path, bcryptCost: 4)
        do {
            try await configure(app, options: options)
            XCTFail("a missing folder must stop configuration")
        } catch let error as DatabaseLocation.MissingFolder {
            XCTAssertTrue(error.description.contains("/data does not exist"), error.description)
            XCTAssertTrue(error.folder.hasPrefix("/nonexistent-"), error.folder)
        }
        try await app.asyncShutdown()

        let file = try scratchFile()
        XCTAssertNoThrow(try DatabaseLocation.sqliteFile(file).checkFolder())
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data()))
        XCTAssertNoThrow(try DatabaseLocation.sqliteFile("patrol.sqlite").checkFolder(), "a bare name is in the working folder")
        XCTAssertThrowsError(try DatabaseLocation.sqliteFile(file + "/inside-a-file.sqlite").checkFolder(), "a file is not a folder")
        XCTAssertNoThrow(try DatabaseLocation.sqliteMemory.checkFolder())
        XCTAssertNoThrow(try DatabaseLocation.postgres("postgres://u@127.0.0.1/x").checkFolder())
    }
}
