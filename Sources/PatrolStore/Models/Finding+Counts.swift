import FluentKit
import Foundation
import PatrolCore
import SQLKit

extension Finding {
    /// How many of the campaign's findings within an actor's `FindingScope` are in each status,
    /// counted by the database (the campaign overview), instead of loading every finding's status.
    public static func statusCounts(on db: any Database, campaignID: UUID, scope: FindingScope) async throws -> [FindingStatus: Int] {
        switch scope {
        case .all: return try await statusCounts(on: db, campaignID: campaignID)
        case .team(let team): return try await statusCounts(on: db, campaignID: campaignID, team: team)
        case .notifiedOfUnit(let unit):
            return try await statusCounts(on: db, campaignID: campaignID, unit: unit).filter { $0.key.isNotified }
        case .none: return [:]
        }
    }

    /// How many of the campaign's findings each team has in each status, in one grouped query (the
    /// teams page's submitted and counted columns).
    public static func statusCountsByTeam(on db: any Database, campaignID: UUID) async throws -> [UUID: [FindingStatus: Int]] {
        struct Row: Decodable { var team_id: UUID; var status: String; var n: Int }
        let rows: [Row]
        if let sql = db as? any SQLDatabase {
            rows = try await sql.select()
                .column("team_id").column("status")
                .column(SQLAlias(SQLFunction("COUNT", args: SQLLiteral.all), as: SQLIdentifier("n")))
                .from(Finding.schema).where("campaign_id", .equal, campaignID).groupBy("team_id").groupBy("status")
                .all(decoding: Row.self)
        } else {
            rows = try await Finding.query(on: db).filter(\.$campaign.$id == campaignID).field(\.$team.$id).field(\.$status).all()
                .map { Row(team_id: $0.$team.id, status: $0.status.rawValue, n: 1) }
        }
        var counts: [UUID: [FindingStatus: Int]] = [:]
        for r in rows {
            guard let status = FindingStatus(rawValue: r.status) else { continue }
            counts[r.team_id, default: [:]][status, default: 0] += r.n
        }
        return counts
    }
}
