import FluentKit
import Foundation
import SQLKit

/// Deletes one campaign and everything recorded under it; units, teams and users stay, since their
/// codes outlive a campaign.
///
/// Children are chosen by subquery on the campaign, not by a list of ids: a province campaign's
/// 200,000 finding ids as bound values broke PostgreSQL's 65,535-parameter limit.
enum CampaignRemoval {
    static func remove(_ campaign: Campaign, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { fatalError("Patrol's databases are SQL databases") }
        let id = try campaign.requireID()
        let findings = SQLIdentifier(Finding.schema), reports = SQLIdentifier(RemediationReport.schema)
        let campaignFindings: SQLQueryString = "SELECT id FROM \(findings) WHERE campaign_id = \(bind: id)"
        let campaignReports: SQLQueryString =
            "SELECT id FROM \(reports) WHERE finding_id IN (\(campaignFindings))"
        try await sql.raw("DELETE FROM \(ident: EvidenceFile.schema) WHERE report_id IN (\(campaignReports))").run()
        try await sql.raw("DELETE FROM \(ident: Retest.schema) WHERE report_id IN (\(campaignReports))").run()
        try await sql.raw("DELETE FROM \(reports) WHERE finding_id IN (\(campaignFindings))").run()
        try await sql.raw("DELETE FROM \(ident: EvidenceFile.schema) WHERE finding_id IN (\(campaignFindings))").run()
        // Duplicates point at their originals within the campaign: unlink before deleting.
        try await Finding.query(on: db).filter(\.$campaign.$id == id).filter(\.$duplicateOf.$id != nil)
            .set(\.$duplicateOf.$id, to: nil).update()
        try await Finding.query(on: db).filter(\.$campaign.$id == id).delete()
        try await Notice.query(on: db).filter(\.$campaign.$id == id).delete()
        try await Asset.query(on: db).filter(\.$campaign.$id == id).delete()
        try await CampaignUnit.query(on: db).filter(\.$campaign.$id == id).delete()
        try await CampaignTeam.query(on: db).filter(\.$campaign.$id == id).delete()
        try await SMSMessage.query(on: db).filter(\.$campaign.$id == id).delete()
        try await GatewayRecord.query(on: db).filter(\.$campaign.$id == id).delete()
        try await campaign.delete(on: db)
    }
}
