import FluentKit
import PatrolCore
import SQLKit

extension Campaign {
    /// The counts `CampaignReadiness` checks, in four aggregate queries (no rows loaded).
    public func readinessFacts(on db: any Database) async throws -> CampaignReadiness.Facts {
        guard let sql = db as? any SQLDatabase else { fatalError("Patrol's databases are SQL databases") }
        let id = try requireID()
        let approved = AssetReview.approved.rawValue, pending = AssetReview.pending.rawValue
        let assets = try await sql.raw("""
            SELECT (SELECT COUNT(*) FROM campaign_units WHERE campaign_id = \(bind: id)) AS units,
                   COUNT(DISTINCT CASE WHEN review = \(bind: approved) THEN unit_id END) AS approved_units,
                   COUNT(CASE WHEN review = \(bind: pending) THEN 1 END) AS pending
            FROM assets WHERE campaign_id = \(bind: id)
            """).first()
        let teams = try await sql.raw("""
            SELECT COUNT(DISTINCT ct.team_id) AS n FROM campaign_teams ct
            JOIN users u ON u.team_id = ct.team_id AND u.role = \(bind: Role.tester.rawValue) AND u.disabled = \(bind: false)
            WHERE ct.campaign_id = \(bind: id) AND ct.state = \(bind: TeamState.active.rawValue)
            """).first()
        let findings = try await sql.raw("""
            SELECT COUNT(CASE WHEN status = \(bind: FindingStatus.remediated.rawValue) THEN 1 END) AS awaiting,
                   COUNT(CASE WHEN status IN (\(bind: FindingStatus.notified.rawValue), \(bind: FindingStatus.remediated.rawValue)) THEN 1 END) AS open
            FROM findings WHERE campaign_id = \(bind: id)
            """).first()
        return .init(units: try assets?.decode(column: "units", as: Int.self) ?? 0,
                     unitsWithApprovedAssets: try assets?.decode(column: "approved_units", as: Int.self) ?? 0,
                     pendingAssets: try assets?.decode(column: "pending", as: Int.self) ?? 0,
                     activeTeamsWithTesters: try teams?.decode(column: "n", as: Int.self) ?? 0,
                     reportsAwaitingRetest: try findings?.decode(column: "awaiting", as: Int.self) ?? 0,
                     openFindings: try findings?.decode(column: "open", as: Int.self) ?? 0)
    }
}
