import FluentKit
import Foundation
import PatrolCore
import SQLKit

extension Asset {
    /// How many assets each unit has in the campaign among those in `reviews` (a reader's
    /// `AccessPolicy.visibleAssetReviews`: testers count only approved ones), from one grouped query.
    /// `units` narrows the count to those units (a page of a list).
    public static func countsByUnit(campaignID: UUID, reviews: Set<AssetReview>, units: [UUID]? = nil,
                                    on db: any Database) async throws -> [UUID: Int] {
        try await reviewCountsByUnit(campaignID: campaignID, units: units, on: db).mapValues { visibleCount($0, reviews) }
    }

    /// The assets of one unit's review counts that are in `reviews`.
    public static func visibleCount(_ counts: [AssetReview: Int], _ reviews: Set<AssetReview>) -> Int {
        counts.filter { reviews.contains($0.key) }.values.reduce(0, +)
    }

    /// How many of each unit's assets are in each review state, in one grouped query (the units
    /// list shows each unit's declaration status from it).
    public static func reviewCountsByUnit(campaignID: UUID, units: [UUID]? = nil,
                                          on db: any Database) async throws -> [UUID: [AssetReview: Int]] {
        guard let sql = db as? any SQLDatabase else { fatalError("Patrol's databases are SQL databases") }
        struct Row: Decodable { var unit_id: UUID; var review: String; var n: Int }
        if let units, units.isEmpty { return [:] }
        let query = sql.select().column("unit_id").column("review")
            .column(SQLAlias(SQLFunction("COUNT", args: SQLLiteral.all), as: SQLIdentifier("n")))
            .from(Asset.schema).where("campaign_id", .equal, campaignID)
        if let units { query.where("unit_id", .in, units) }
        let rows = try await query.groupBy("unit_id").groupBy("review").all(decoding: Row.self)
        var counts: [UUID: [AssetReview: Int]] = [:]
        for row in rows {
            guard let review = AssetReview(rawValue: row.review) else { continue }
            counts[row.unit_id, default: [:]][review] = row.n
        }
        return counts
    }
}
