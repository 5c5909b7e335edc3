import FluentKit
import Foundation
import PatrolCore
import SQLKit

extension Finding {
    /// How many verified findings wait for a notice (SPEC §4: the admin notifies them unit by unit),
    /// and in how many units, counted by the database.
    public static func pendingNotice(in campaignID: UUID, on db: any Database) async throws -> (findings: Int, units: Int) {
        let sql = db as! any SQLDatabase
        struct Row: Decodable { var findings: Int; var units: Int }
        let row = try await sql.raw("""
            SELECT COUNT(*) AS findings, COUNT(DISTINCT unit_id) AS units FROM findings
            WHERE campaign_id = \(bind: campaignID) AND status = \(bind: FindingStatus.verified.rawValue)
            """).first(decoding: Row.self)
        return (row?.findings ?? 0, row?.units ?? 0)
    }

    /// The codes of one page of the units that have verified findings, in code order.
    public static func unitsPendingNotice(in campaignID: UUID, offset: Int, limit: Int, on db: any Database) async throws -> [String] {
        let sql = db as! any SQLDatabase
        struct Row: Decodable { var code: String }
        return try await sql.raw("""
            SELECT u.code AS code FROM findings f JOIN units u ON u.id = f.unit_id
            WHERE f.campaign_id = \(bind: campaignID) AND f.status = \(bind: FindingStatus.verified.rawValue)
            GROUP BY u.code ORDER BY u.code LIMIT \(bind: limit) OFFSET \(bind: offset)
            """).all(decoding: Row.self).map(\.code)
    }
}
