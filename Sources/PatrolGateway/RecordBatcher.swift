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
            try await store(batch, on: db)
            written.withLockedValue { $0 += batch.count }
            return batch.count
        } catch {
            if batch.count > 1, databaseErrorMayBeTheRows(error) {
                // A row the database will never take must not stop recording for everyone: its
                // batch would fail on every retry until the full queue stopped the gateway. Halving
                // the batch finds it (one half is written, the other fails) and the rest is stored.
                var outcome = Isolation()
                var attempts = Self.isolationAttempts
                await isolate(batch[...], on: db, into: &outcome, attempts: &attempts)
                // Nothing went in at all: the database is failing, not a row. All of it waits.
                if outcome.written > 0 {
                    var back = outcome.notWritten
                    var stored = outcome.written
                    for row in outcome.unwritable {
                        if await storeIncomplete(row, after: error, on: db) { stored += 1 } else { back.append(row) }
                    }
                    written.withLockedValue { $0 += stored }
                    requeue(back)
                    return stored
                }
            }
            requeue(batch)
            throw error
        }
    }

    private func requeue(_ rows: [GatewayRecordRow]) {
        guard !rows.isEmpty else { return }
        pending.withLockedValue { queue in
            queue.chunks.insert(rows, at: 0)
            queue.count += rows.count
        }
    }

    /// Writes tried per failed flush while looking for the rows the database refuses: a dozen
    /// halvings find one row in 5,000; more bad rows are found by the next flushes.
    static let isolationAttempts = 64

    private func store(_ rows: [GatewayRecordRow], on db: any Database) async throws {
        if let writer = try await writer(for: db) {
            _ = try await NIOThreadPool.singleton.runIfActive { try writer.write(rows) }
        } else {
            try await GatewayRecordRow.insert(rows, on: db)
        }
    }

    struct Isolation {
        var written = 0
        var unwritable: [GatewayRecordRow] = []
        var notWritten: [GatewayRecordRow] = []
    }

    /// Writes the halves of a batch that failed and goes on halving the halves that fail, down to
    /// single rows (`unwritable`). Rows it had no attempts left for are `notWritten`.
    private func isolate(_ rows: ArraySlice<GatewayRecordRow>, on db: any Database, into outcome: inout Isolation,
                         attempts: inout Int) async {
        if rows.count == 1 { return outcome.unwritable.append(rows[rows.startIndex]) }
        guard attempts >= 2 else { return outcome.notWritten += rows }
        attempts -= 2
        let middle = rows.startIndex + rows.count / 2
        let first = rows[..<middle], second = rows[middle...]
        let firstStored = (try? await store(Array(first), on: db)) != nil
        let secondStored = (try? await store(Array(second), on: db)) != nil
        if firstStored { outcome.written += first.count }
        if secondStored { outcome.written += second.count }
        if !firstStored { await isolate(first, on: db, into: &outcome, attempts: &attempts) }
        if !secondStored { await isolate(second, on: db, into: &outcome, attempts: &attempts) }
    }

    /// A row the database refused while other rows of its batch went in: stored without its
    /// headers, bodies and certificate, flagged `record_incomplete` for the organiser's alert list.
    /// If the database refuses that too it is dropped, and the log says which request it was;
    /// false (the row goes back to the queue) when the database itself failed meanwhile.
    private func storeIncomplete(_ row: GatewayRecordRow, after error: any Error, on db: any Database) async -> Bool {
        var reduced = row
        reduced.requestHeaders = nil
        reduced.responseHeaders = nil
        reduced.requestBody = nil
        reduced.responseBody = nil
        reduced.tls = nil
        if !reduced.alerts.contains(Self.incompleteAlert) { reduced.alerts.append(Self.incompleteAlert) }
        do {
            try await store([reduced], on: db)
            logger.error("gateway record stored without headers and bodies (\(row.method ?? row.kind) \(row.url)): \(databaseErrorText(error))")
            return true
        } catch let again {
            guard databaseErrorMayBeTheRows(again) else { return false }
            logger.critical("gateway record dropped, the database refuses it (\(row.method ?? row.kind) \(row.url)): \(databaseErrorText(again))")
            return true
        }
    }

    /// The alert on a record stored without its headers and bodies.
    public static let incompleteAlert = "record_incomplete"

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
