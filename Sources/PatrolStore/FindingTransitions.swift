import FluentKit
import Foundation
import PatrolCore
import SQLKit

/// State changes of findings that are safe under concurrency: the status moves only if it is still
/// what the caller saw, in one conditional UPDATE, so of two reviewers deciding at once exactly one
/// wins and the other learns it lost.
public enum FindingTransitions {
    public static func move(_ findingID: UUID, from: FindingStatus, to: FindingStatus, now: Date,
                            on db: any Database) async throws -> Bool {
        guard let sql = db as? any SQLDatabase else { fatalError("Patrol's databases are SQL databases") }
        let rows = try await sql.raw("""
            UPDATE findings SET status = \(bind: to.rawValue), updated_at = \(bind: now)
            WHERE id = \(bind: findingID) AND status = \(bind: from.rawValue)
            RETURNING id
            """).all()
        return rows.count == 1
    }
}
