import FluentKit
import Foundation
import PatrolCore
import SQLKit

extension Finding {
    /// The campaign's findings within an actor's `FindingScope` (`AccessPolicy.findingScope`).
    public static func query(on db: any Database, campaignID: UUID, scope: FindingScope) -> QueryBuilder<Finding> {
        let query = Finding.query(on: db).filter(\.$campaign.$id == campaignID)
        switch scope {
        case .all: return query
        case .team(let team): return query.filter(\.$team.$id == team)
        case .notifiedOfUnit(let unit):
            return query.filter(\.$unit.$id == unit).filter(\.$status ~~ FindingStatus.allCases.filter(\.isNotified))
        case .none: return query.filter(\.$id == UUID())
        }
    }

    /// How many findings of the campaign are in each status, in one grouped query (the work queue
    /// and overview counters), optionally for one unit or team.
    public static func statusCounts(on db: any Database, campaignID: UUID, unit: UUID? = nil,
                                    team: UUID? = nil) async throws -> [FindingStatus: Int] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        var query = SQLQueryString("SELECT status, COUNT(*) AS n FROM findings WHERE campaign_id = \(bind: campaignID)")
        if let unit { query.appendInterpolation(unsafeRaw: " AND unit_id = "); query.appendInterpolation(bind: unit) }
        if let team { query.appendInterpolation(unsafeRaw: " AND team_id = "); query.appendInterpolation(bind: team) }
        query.appendInterpolation(unsafeRaw: " GROUP BY status")
        struct Row: Decodable { var status: String; var n: Int }
        let rows = try await sql.raw(query).all(decoding: Row.self)
        return Dictionary(rows.compactMap { r in FindingStatus(rawValue: r.status).map { ($0, r.n) } }, uniquingKeysWith: +)
    }
}
