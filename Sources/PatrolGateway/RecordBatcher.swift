import FluentKit
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import PatrolStore

/// Collects records from the event loops and writes them in batches (SPEC §6: never a transaction
/// per request). Bodies are compressed here, off the event loops. A failed write keeps its rows for
/// the next attempt, so a database hiccup delays records but loses none.
public final class RecordBatcher: Sendable {
    /// Waiting rows in chunks of at most `batchLimit`: the event loops append to the last chunk and
    /// a flush takes the first, so neither ever moves the whole queue while holding the lock.
    private let pending = NIOLockedValueBox<Queue>(Queue())
    struct Queue {
        var chunks: [[GatewayRecordRow]] = []
        var count = 0
    }
    private let written = NIOLockedValueBox<Int>(0)
    /// The connection that writes batches into an SQLite database, opened at the first flush.
    private let sqliteWriter = NIOLockedValueBox<SQLiteRecordWriter?>(nil)
    let logger: Logger

    /// Rows waiting beyond which the gateway stops reading new requests until the writer catches
    /// up: recording is never skipped, so under overload memory stays bounded and clients wait.
    let backlogLimit: Int
    /// The most rows one flush writes (one transaction).
    public static let batchLimit = 5_000

    public init(logger: Logger, backlogLimit: Int = 50_000) {
        self.logger = logger
        self.backlogLimit = backlogLimit
    }

    public func append(_ row: GatewayRecordRow) {
        pending.withLockedValue { queue in
            if queue.chunks.isEmpty || queue.chunks[queue.chunks.count - 1].count >= Self.batchLimit {
                var chunk: [GatewayRecordRow] = []
                chunk.reserveCapacity(256)
                queue.chunks.append(chunk)
            }
            queue.chunks[queue.chunks.count - 1].append(row)
            queue.count += 1
        }
    }

    /// True while the backlog is at its limit (the proxy handlers then hold their reads).
    var isBacklogged: Bool { pending.withLockedValue { $0.count >= backlogLimit } }

    /// Records written since start, for tests and the benchmark.
    public var writtenCount: Int { written.withLockedValue { $0 } }
    public var pendingCount: Int { pending.withLockedValue { $0.count } }

    /// Writes everything collected so far; returns how many rows.
    @discardableResult
    public func flush(on db: any Database) async throws -> Int {
        var batch = pending.withLockedValue { queue -> [GatewayRecordRow] in
            guard !queue.chunks.isEmpty else { return [] }
            let taken = queue.chunks.removeFirst()
            queue.count -= taken.count
            return taken
        }
        guard !batch.isEmpty else { return 0 }
        do {
            // Compressed in place (a copy of a few thousand rows cost as much again in retains and
            // releases); rows that go back to the queue after a failed write keep the mark.
            let body = try RecordedBody()
            for i in batch.indices { try body.compressBodies(of: &batch[i]) }
            if let writer = try await writer(for: db) {
                let rows = batch
                _ = try await NIOThreadPool.singleton.runIfActive { try writer.write(rows) }
            } else {
                try await GatewayRecordRow.insert(batch, on: db)
            }
            written.withLockedValue { $0 += batch.count }
            return batch.count
        } catch {
            pending.withLockedValue { queue in
                queue.chunks.insert(batch, at: 0)
                queue.count += batch.count
            }
            throw error
        }
    }

    /// The writer for the SQLite file behind `db`: SQLite batches go through a connection of the
    /// gateway's own with its INSERT prepared once (`SQLiteRecordWriter`: about a quarter less CPU
    /// per row than SQLiteNIO's statement per chunk, BENCHMARKS.md). nil for a database with no file.
    private func writer(for db: any Database) async throws -> SQLiteRecordWriter? {
        if let open = sqliteWriter.withLockedValue({ $0 }) { return open }
        guard let path = try await SQLiteRecordWriter.file(of: db) else { return nil }
        let opened = try await NIOThreadPool.singleton.runIfActive { try SQLiteRecordWriter(path: path) }
        return sqliteWriter.withLockedValue { current in
            if let current { opened.close(); return current }
            current = opened
            return opened
        }
    }

    /// True once SQLite batches go through the gateway's own connection (tests).
    var ownsSQLiteConnection: Bool { sqliteWriter.withLockedValue { $0 != nil } }

    /// Closes the SQLite writer (the gateway's stop, after the last flush).
    public func close() {
        sqliteWriter.withLockedValue { writer in
            writer?.close()
            writer = nil
        }
    }
}
