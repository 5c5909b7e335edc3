import FluentKit
import Foundation
import PatrolCore
import SQLKit

extension Asset {
    /// How many assets each unit has in the campaign among those in `reviews` (a reader's
    /// `AccessPolicy.visibleAssetReviews`: testers count only approved ones), from one grouped query.
    public static func countsByUnit(campaignID: UUID, reviews: Set<AssetReview>, on db: any Database) async throws -> [UUID: Int] {
        try await reviewCountsByUnit(campaignID: campaignID, on: db).mapValues { visibleCount($0, reviews) }
    }

    /// The assets of one unit's review counts that are in `reviews`.
    public static func visibleCount(_ counts: [AssetReview: Int], _ reviews: Set<AssetReview>) -> Int {
        counts.filter { reviews.contains($0.key) }.values.reduce(0, +)
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
