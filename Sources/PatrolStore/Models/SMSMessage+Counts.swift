import FluentKit
import SQLKit

extension SMSMessage {
    /// How many messages of the whole outbox are in each status, counted by the database.
    public static func countsByStatus(on db: any Database) async throws -> [Status: Int] {
        guard let sql = db as? any SQLDatabase else {
            let statuses = try await SMSMessage.query(on: db).all(\.$status)
            return Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count)
        }
        struct StatusCount: Decodable { var status: String; var n: Int }
        let rows = try await sql.raw("SELECT status, COUNT(*) AS n FROM sms_messages GROUP BY status").all(decoding: StatusCount.self)
        return Dictionary(rows.compactMap { r in Status(rawValue: r.status).map { ($0, r.n) } }, uniquingKeysWith: +)
    }
}
