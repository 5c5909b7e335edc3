import FluentKit
import Foundation
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
}
