import ArgumentParser
import Fluent
import Foundation
import PatrolGateway
import PatrolServer
import PatrolStore

/// `patrol-bench records` (was `patrol benchmark-records`): the gateway's recording writer alone —
/// rows shaped like the gateway benchmark's (a proxied GET of 1 KiB of random bytes from nginx),
/// written through the gateway's own batcher into a fresh database. Reports the CPU each row costs the whole process (all threads,
/// SQLite's thread pool included), which is what recording takes away from the event loops.
/// Build with -c release; see BENCHMARKS.md.
struct RecordsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "records",
        abstract: "Measure the gateway's recording writer (see BENCHMARKS.md).",
        discussion: "Uses PATROL_DATABASE_URL when set (it must be an empty scratch database); otherwise a new SQLite file in a temporary directory.")

    @Option(help: "Rows to write.") var rows = 100_000
    @Option(help: "Rows per batch (one transaction); the gateway writes what 200 ms brought, ~2,000 rows at 10,000 req/s.") var batch = 2_000
    @Option(help: "Response body bytes per row (random, so stored rather than deflated).") var bodyBytes = 1024

    func validate() throws {
        guard rows >= 1 else { throw ValidationError("--rows must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard bodyBytes >= 0 else { throw ValidationError("--body-bytes cannot be negative") }
    }

    func run() async throws {
        var scratch: URL?
        if (ProcessInfo.processInfo.environment["PATROL_DATABASE_URL"] ?? "").isEmpty {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("patrol-records-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            setenv("PATROL_DATABASE_URL", "sqlite:" + dir.appendingPathComponent("bench.sqlite").path, 1)
            setenv("PATROL_DATA_DIR", dir.path, 1)
            scratch = dir
        }
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
        let rowCount = rows, batchSize = batch, bodySize = bodyBytes
        try await withMigratedApplication { app in
            _ = try await DemoSetup.load(app)
            guard let campaign = try await Campaign.query(on: app.db).first(),
                  let tester = try await User.query(on: app.db).filter(\.$role == .tester).first(),
                  let teamID = tester.$team.id
            else { throw BenchmarkFailure(description: "the demo campaign has no tester") }
            let template = Self.row(campaign: try campaign.requireID(), team: teamID, user: try tester.requireID(),
                                    username: tester.username, bodyBytes: bodySize)
            let batcher = RecordBatcher(logger: app.logger, backlogLimit: .max)
            let clock = ContinuousClock()
            var cpu = Duration.zero, wall = Duration.zero
            var written = 0
            var batchTimes: [Duration] = []
            while written < rowCount {
                let n = min(batchSize, rowCount - written)
                for i in 0..<n {
                    var row = template
                    row.startedAt = Date(timeIntervalSince1970: 1_652_630_400 + Double(written + i) / 10_000)
                    row.url = "http://127.0.0.1:8080/1k.bin?\(written + i)"
                    row.responseBody = Self.randomBody(bodySize, seed: written + i)
                    batcher.append(row)
                }
                let cpuBefore = Self.processCPU(), start = clock.now
                while try await batcher.flush(on: app.db) > 0 {}
                let elapsed = clock.now - start
                wall += elapsed
                cpu += Self.processCPU() - cpuBefore
                batchTimes.append(elapsed)
                written += n
            }
            let writerCPU = batcher.sqliteWriterCPU
            batcher.close()
            batchTimes.sort()
            let perRow = { (d: Duration) in String(format: "%.1f µs", (d / .microseconds(1)) / Double(rowCount)) }
            print("records: \(rowCount) rows in batches of \(batchSize), \(bodySize)-byte bodies, \(app.patrolOptions.database.isPostgres ? "PostgreSQL" : "SQLite")")
            print("per row: CPU \(perRow(cpu)) (all threads), wall \(perRow(wall))")
            if let writerCPU { print("per row: CPU \(perRow(writerCPU)) on the SQLite writer's thread (in SQLiteRecordWriter.write)") }
            print(String(format: "per batch: median %.1f ms, max %.1f ms", batchTimes[batchTimes.count / 2] / .milliseconds(1),
                         batchTimes[batchTimes.count - 1] / .milliseconds(1)))
            let stored = try await GatewayRecord.query(on: app.db).count()
            guard stored == rowCount else { throw BenchmarkFailure(description: "wrote \(rowCount) rows but \(stored) are stored") }
        }
    }

    static func row(campaign: UUID, team: UUID, user: UUID, username: String, bodyBytes: Int) -> GatewayRecordRow {
        var row = GatewayRecordRow(client: "127.0.0.1:53412", kind: "http", url: "", host: "127.0.0.1", port: 8080,
                                   startedAt: Date(), decision: "allowed")
        row.campaignID = campaign
        row.teamID = team
        row.userID = user
        row.username = username
        row.method = "GET"
        row.address = "127.0.0.1"
        row.status = 200
        row.bytesUp = 96
        row.bytesDown = Int64(bodyBytes + 240)
        row.durationMs = 1
        row.requestHeaders = [.init("Host", "127.0.0.1:8080")]
        row.responseHeaders = [.init("Server", "nginx/1.22.1"), .init("Date", "Mon, 30 Nov 2026 14:00:00 GMT"),
                               .init("Content-Type", "application/octet-stream"), .init("Content-Length", "\(bodyBytes)"),
                               .init("Last-Modified", "Mon, 30 Nov 2026 13:59:58 GMT"), .init("Connection", "keep-alive"),
                               .init("ETag", "\"6931d0fe-400\""), .init("Accept-Ranges", "bytes")]
        row.requestBody = nil
        row.responseBodySize = bodyBytes
        return row
    }

    /// Bytes from a small xorshift generator: as incompressible as the benchmark's /dev/urandom file.
    static func randomBody(_ count: Int, seed: Int) -> Data {
        var state = UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        var bytes = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            bytes[i] = UInt8(truncatingIfNeeded: state >> 32)
        }
        return Data(bytes)
    }

    static func processCPU() -> Duration {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let micros = (Int64(usage.ru_utime.tv_sec) + Int64(usage.ru_stime.tv_sec)) * 1_000_000
            + Int64(usage.ru_utime.tv_usec) + Int64(usage.ru_stime.tv_usec)
        return .microseconds(micros)
    }
}
