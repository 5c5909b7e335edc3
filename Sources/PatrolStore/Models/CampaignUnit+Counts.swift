import FluentKit
import Foundation
import SQLKit

extension CampaignUnit {
    /// How many units take part in each campaign, counted by the database in one grouped query
    /// (the campaigns list), instead of one count per campaign.
    public static func countsByCampaign(on db: any Database) async throws -> [UUID: Int] {
        guard let sql = db as? any SQLDatabase else {
            let ids = try await CampaignUnit.query(on: db).all(\.$campaign.$id)
            return Dictionary(grouping: ids, by: { $0 }).mapValues(\.count)
        }
        return try await sql.select()
            .column(SQLAlias(SQLIdentifier("campaign_id"), as: SQLIdentifier("id")))
            .column(SQLAlias(SQLFunction("COUNT", args: SQLLiteral.all), as: SQLIdentifier("n")))
            .from(CampaignUnit.schema).groupBy("campaign_id")
            .all(decoding: CountRow.self).countsByKey
    }
}
