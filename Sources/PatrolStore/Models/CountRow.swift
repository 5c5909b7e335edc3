import Foundation

/// One row of a grouped count: the id it is grouped by (selected as `id`) and how many rows have
/// it, as the `countsByUnit` / `countsByCampaign` queries select them.
struct CountRow: Decodable {
    var id: UUID
    var n: Int
}

extension Array where Element == CountRow {
    /// The counts by id.
    var countsByKey: [UUID: Int] { Dictionary(map { ($0.id, $0.n) }, uniquingKeysWith: +) }
}
