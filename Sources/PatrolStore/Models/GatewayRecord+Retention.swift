import FluentKit
import Foundation

extension GatewayRecord {
    /// Removes the records that started before `cutoff` (the retention setting), for every campaign.
    public static func deleteStarted(before cutoff: Date, on db: any Database) async throws {
        try await GatewayRecord.query(on: db).filter(\.$startedAt < cutoff).delete()
    }
}
