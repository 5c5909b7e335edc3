import Foundation
import PatrolCore
import SQLKit
import FluentKit

extension Finding {
    /// Keys under which findings may be the same: same unit, same type, and the same asset or URL.
    /// Two findings sharing a key are shown to reviewers as possible duplicates; rejected and
    /// already-marked duplicates are no candidates.
    public var duplicateKeys: [String] {
        Self.duplicateKeys(unit: $unit.id, asset: $asset.id, url: url, type: type, kind: kind, status: status)
    }

    /// The keys of a finding given as its stored columns (the one home of the rule above).
    public static func duplicateKeys(unit: UUID, asset: UUID?, url: String?, type: String?, kind: FindingKind,
                                     status: FindingStatus) -> [String] {
        guard status != .rejected, status != .duplicate else { return [] }
        let type = type ?? kind.rawValue
        var keys: [String] = []
        if let a = asset { keys.append("\(unit)|a:\(a)|\(type)") }
        if let u = url?.lowercased(), !u.isEmpty { keys.append("\(unit)|u:\(u)|\(type)") }
        return keys
    }

    /// How many of the campaign's candidate findings in `units` share each duplicate key, read as
    /// plain columns: a page of the findings list needs the keys of every finding in the page's
    /// units (thousands at province scale), not those findings as models.
    public static func duplicateKeyCounts(campaignID: UUID, units: [UUID], on db: any Database) async throws -> [String: Int] {
        guard !units.isEmpty else { return [:] }
        let sql = db as! any SQLDatabase
        struct Row: Decodable {
            var unit_id: UUID, asset_id: UUID?, url: String?, type: String?, kind: String, status: String
        }
        let rows = try await sql.select()
            .column("unit_id").column("asset_id").column("url").column("type").column("kind").column("status")
            .from(Finding.schema)
            .where("campaign_id", .equal, campaignID)
            .where("unit_id", .in, units)
            .where("status", .notIn, [FindingStatus.rejected.rawValue, FindingStatus.duplicate.rawValue])
            .all(decoding: Row.self)
        var count: [String: Int] = [:]
        for r in rows {
            guard let kind = FindingKind(rawValue: r.kind), let status = FindingStatus(rawValue: r.status) else { continue }
            for k in duplicateKeys(unit: r.unit_id, asset: r.asset_id, url: r.url, type: r.type, kind: kind, status: status) {
                count[k, default: 0] += 1
            }
        }
        return count
    }
}
