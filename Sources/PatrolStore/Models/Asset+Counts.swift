import FluentKit
import Foundation
import PatrolCore
import SQLKit

extension Asset {
    /// How many assets each unit has in the campaign, counted by the database in one grouped
    /// query (the units list and the units API show the count beside every unit).
    public static func countsByUnit(campaignID: UUID, on db: any Database) async throws -> [UUID: Int] {
        guard let sql = db as? any SQLDatabase else {
            let unitIDs = try await Asset.query(on: db).filter(\.$campaign.$id == campaignID).all(\.$unit.$id)
            return Dictionary(grouping: unitIDs, by: { $0 }).mapValues(\.count)
        }
        return try await sql.select()
            .column(SQLAlias(SQLIdentifier("unit_id"), as: SQLIdentifier("id"))).column(SQLAlias(SQLFunction("COUNT", args: SQLLiteral.all), as: SQLIdentifier("n")))
            .from(Asset.schema).where("campaign_id", .equal, campaignID).groupBy("unit_id")
            .all(decoding: CountRow.self).countsByKey
    }

    /// How many of each unit's assets are in each review state, in one grouped query (the units
    /// list shows each unit's declaration status from it).
    public static func reviewCountsByUnit(campaignID: UUID, on db: any Database) async throws -> [UUID: [AssetReview: Int]] {
        guard let sql = db as? any SQLDatabase else { fatalError("Patrol's databases are SQL databases") }
        struct Row: Decodable { var unit_id: UUID; var review: String; var n: Int }
        let rows = try await sql.raw("""
            SELECT unit_id, review, COUNT(*) AS n FROM assets WHERE campaign_id = \(bind: campaignID) GROUP BY unit_id, review
            """).all(decoding: Row.self)
        var counts: [UUID: [AssetReview: Int]] = [:]
        for row in rows {
            guard let review = AssetReview(rawValue: row.review) else { continue }
            counts[row.unit_id, default: [:]][review] = row.n
        }
        return counts
    }
}
