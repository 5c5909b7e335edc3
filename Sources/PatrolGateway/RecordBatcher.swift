import FluentKit
import Foundation
import Logging
import NIOConcurrencyHelpers
import PatrolStore

/// Collects records from the event loops and writes them in batches (SPEC §6: never a transaction
/// per request). Bodies are compressed here, off the event loops. A failed write keeps its rows for
/// the next attempt, so a database hiccup delays records but loses none.
public final class RecordBatcher: Sendable {
    private let pending = NIOLockedValueBox<[GatewayRecordRow]>([])
    private let written = NIOLockedValueBox<Int>(0)
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func append(_ row: GatewayRecordRow) {
        pending.withLockedValue { $0.append(row) }
    }

    /// Records written since start, for tests and the benchmark.
    public var writtenCount: Int { written.withLockedValue { $0 } }
    public var pendingCount: Int { pending.withLockedValue { $0.count } }

    /// Writes everything collected so far; returns how many rows.
    @discardableResult
    public func flush(on db: any Database) async throws -> Int {
        let batch = pending.withLockedValue { rows -> [GatewayRecordRow] in
            defer { rows.removeAll(keepingCapacity: true) }
            return rows
        }
        guard !batch.isEmpty else { return 0 }
        do {
            let body = try RecordedBody()
            let compressed = try batch.map { row -> GatewayRecordRow in
                var r = row
                r.requestBody = try r.requestBody.map { $0.isEmpty ? $0 : try body.compress($0) }
                r.responseBody = try r.responseBody.map { $0.isEmpty ? $0 : try body.compress($0) }
                return r
            }
            try await GatewayRecordRow.insert(compressed, on: db)
            written.withLockedValue { $0 += batch.count }
            return batch.count
        } catch {
            pending.withLockedValue { $0.insert(contentsOf: batch, at: 0) }
            throw error
        }
    }
}
