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
    /// The rows waiting, oldest first (handler tests).
    var pendingRows: [GatewayRecordRow] { pending.withLockedValue { $0.chunks.flatMap { $0 } } }

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
        } catch {
            requeue(batch)
            throw error
        }
        do {
            try await store(batch, on: db)
            written.withLockedValue { $0 += batch.count }
            return batch.count
        } catch {
            guard batch.count > 1, databaseErrorMayBeTheRows(error) else {
                requeue(batch)
                throw error
            }
            // A row the database will never take must not stop recording for everyone: its batch
            // would fail on every retry until the full queue stopped the gateway. Halving the
            // batch finds it (one half is written, the other refused) and the rest is stored.
            var outcome = Isolation()
            var attempts = Self.isolationAttempts
            await isolate(batch[...], on: db, into: &outcome, attempts: &attempts)
            // Nothing went in: no evidence that a row rather than the database is at fault.
            guard outcome.written > 0 else {
                requeue(batch)
                throw error
            }
            var back = outcome.notWritten
            var stored = outcome.written
            for row in outcome.unwritable {
                switch await storeIncomplete(row, after: error, on: db) {
                case .stored: stored += 1
                case .dropped: break
                case .notNow: back.append(row)
                }
            }
            written.withLockedValue { $0 += stored }
            requeue(back)
            return stored
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
        guard let sink = try await sqliteSink(for: db) else { return try await GatewayRecordRow.insert(rows, on: db) }
        do {
            _ = try await sink.thread.runIfActive { try sink.writer.write(rows) }
        } catch {
            // A connection that failed for a reason other than the rows (or was closed by a failed
            // rollback) is replaced at the next write.
            if !databaseErrorMayBeTheRows(error) || !sink.writer.isOpen { dropWriter(sink.writer) }
            throw error
        }
    }

    struct Isolation {
        var written = 0
        var unwritable: [GatewayRecordRow] = []
        var notWritten: [GatewayRecordRow] = []
        /// Set once a write failed for the database's own reason: the rest is not tried.
        var databaseFailed = false
    }

    /// Writes the halves of a batch that failed and goes on halving the halves the database
    /// refuses, down to single rows (`unwritable`). Rows not tried — attempts used up, or the
    /// database failed for its own reason meanwhile — are `notWritten`.
    private func isolate(_ rows: ArraySlice<GatewayRecordRow>, on db: any Database, into outcome: inout Isolation,
                         attempts: inout Int) async {
        if rows.count == 1, !outcome.databaseFailed { return outcome.unwritable.append(rows[rows.startIndex]) }
        guard attempts >= 2, !outcome.databaseFailed else { return outcome.notWritten += rows }
        attempts -= 2
        let middle = rows.startIndex + rows.count / 2
        for half in [rows[..<middle], rows[middle...]] {
            if outcome.databaseFailed { outcome.notWritten += half; continue }
            do {
                try await store(Array(half), on: db)
                outcome.written += half.count
            } catch {
                if databaseErrorMayBeTheRows(error) {
                    await isolate(half, on: db, into: &outcome, attempts: &attempts)
                } else {
                    outcome.databaseFailed = true
                    outcome.notWritten += half
                }
            }
        }
    }

    enum IncompleteOutcome { case stored, dropped, notNow }

    /// A row the database refused while other rows of its batch went in: stored without its
    /// headers, bodies and certificate, flagged `record_incomplete` for the organiser's alert list.
    /// If the database refuses that too it is dropped, and the log says which request it was;
    /// `notNow` (back to the queue) when the database itself failed meanwhile.
    private func storeIncomplete(_ row: GatewayRecordRow, after error: any Error, on db: any Database) async -> IncompleteOutcome {
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
            return .stored
        } catch let again {
            guard databaseErrorMayBeTheRows(again) else { return .notNow }
            logger.critical("gateway record dropped, the database refuses it (\(row.method ?? row.kind) \(row.url)): \(databaseErrorText(again))")
            return .dropped
        }
    }

    /// The alert on a record stored without its headers and bodies.
    public static let incompleteAlert = "record_incomplete"

    /// The gateway's own SQLite connection and the one thread it blocks. Not the shared thread
    /// pool: Fluent's SQLite connections run their statements there, and a write waiting for the
    /// lock a Fluent transaction holds must not take the thread that transaction needs to finish.
    struct SQLiteSink: Sendable {
        let writer: SQLiteRecordWriter
        let thread: NIOThreadPool
    }
    private let sqlite = NIOLockedValueBox<(writer: SQLiteRecordWriter?, thread: NIOThreadPool?)>((nil, nil))

    /// SQLite batches go through a connection of the gateway's own with its INSERT prepared once
    /// (`SQLiteRecordWriter`: about a quarter less CPU per row than SQLiteNIO's statement per
    /// chunk, BENCHMARKS.md). nil for PostgreSQL or a database with no file.
    private func sqliteSink(for db: any Database) async throws -> SQLiteSink? {
        let current = sqlite.withLockedValue { $0 }
        if let writer = current.writer, let thread = current.thread { return SQLiteSink(writer: writer, thread: thread) }
        guard let path = try await SQLiteRecordWriter.file(of: db) else { return nil }
        let thread = sqlite.withLockedValue { state -> NIOThreadPool in
            if let thread = state.thread { return thread }
            let started = NIOThreadPool(numberOfThreads: 1)
            started.start()
            started.submit { _ in Self.markAsBatchThread() }
            state.thread = started
            return started
        }
        let opened = try await thread.runIfActive { try SQLiteRecordWriter(path: path) }
        return sqlite.withLockedValue { state in
            if let writer = state.writer { opened.close(); return SQLiteSink(writer: writer, thread: thread) }
            state.writer = opened
            return SQLiteSink(writer: opened, thread: thread)
        }
    }

    private func dropWriter(_ writer: SQLiteRecordWriter) {
        sqlite.withLockedValue { state in
            if state.writer === writer { state.writer = nil }
        }
        writer.close()
    }

    /// Marks the calling thread as a batch thread for Linux's scheduler (`SCHED_BATCH`, allowed
    /// without privileges): it keeps its fair share of CPU but, woken to write a batch, it no longer
    /// preempts a thread that is running. A batch is tens of milliseconds of CPU every 200 ms; taking
    /// a core from the event loop, nginx or the load generator the moment it woke put the slowest
    /// requests of the gateway benchmark inside those bursts (p99 against squid's, median of five
    /// alternating runs, 1.33× before, 1.10× after; BENCHMARKS.md). Elsewhere a no-op.
    static func markAsBatchThread() {
        #if os(Linux)
        var parameters = sched_param()
        parameters.sched_priority = 0
        // SCHED_BATCH is 3 (<sched.h> defines it only under _GNU_SOURCE, which Swift's Glibc module lacks).
        _ = sched_setscheduler(0, batchPolicy, &parameters)
        #endif
    }
    static let batchPolicy: Int32 = 3

    /// The scheduling policy of the writing thread, nil before the first SQLite batch (tests).
    var writerThreadPolicy: Int32? {
        get async throws {
            guard let thread = sqlite.withLockedValue({ $0.thread }) else { return nil }
            #if os(Linux)
            return try await thread.runIfActive { sched_getscheduler(0) }
            #else
            return nil
            #endif
        }
    }

    /// CPU time the SQLite writer's thread has spent writing batches; nil before the first SQLite
    /// batch or on PostgreSQL (`patrol-bench records`).
    public var sqliteWriterCPU: Duration? { sqlite.withLockedValue { $0.writer?.cpuTime } }

    /// True once SQLite batches go through the gateway's own connection (tests).
    var ownsSQLiteConnection: Bool { sqlite.withLockedValue { $0.writer != nil } }

    /// Closes the SQLite connection and stops its thread (the gateway's stop, after the last flush).
    public func close() {
        let (writer, thread) = sqlite.withLockedValue { state in
            defer { state = (nil, nil) }
            return state
        }
        writer?.close()
        thread?.shutdownGracefully { _ in }
    }
}
