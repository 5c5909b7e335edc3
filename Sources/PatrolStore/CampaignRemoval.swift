import FluentKit
import Foundation

/// Deletes one campaign and everything recorded under it; units, teams and users stay, since their
/// codes outlive a campaign.
enum CampaignRemoval {
    static func remove(_ campaign: Campaign, on db: any Database) async throws {
        let id = try campaign.requireID()
        let findingIDs = try await Finding.query(on: db).filter(\.$campaign.$id == id).all(\.$id)
        if !findingIDs.isEmpty {
            let reportIDs = try await RemediationReport.query(on: db).filter(\.$finding.$id ~~ findingIDs).all(\.$id)
            if !reportIDs.isEmpty {
                try await EvidenceFile.query(on: db).filter(\.$report.$id ~~ reportIDs).delete()
                try await Retest.query(on: db).filter(\.$report.$id ~~ reportIDs).delete()
                try await RemediationReport.query(on: db).filter(\.$id ~~ reportIDs).delete()
            }
            try await EvidenceFile.query(on: db).filter(\.$finding.$id ~~ findingIDs).delete()
            try await Finding.query(on: db).filter(\.$campaign.$id == id).set(\.$duplicateOf.$id, to: nil).update()
            try await Finding.query(on: db).filter(\.$campaign.$id == id).delete()
        }
        try await Notice.query(on: db).filter(\.$campaign.$id == id).delete()
        try await Asset.query(on: db).filter(\.$campaign.$id == id).delete()
        try await CampaignUnit.query(on: db).filter(\.$campaign.$id == id).delete()
        try await CampaignTeam.query(on: db).filter(\.$campaign.$id == id).delete()
        try await SMSMessage.query(on: db).filter(\.$campaign.$id == id).delete()
        try await GatewayRecord.query(on: db).filter(\.$campaign.$id == id).delete()
        try await campaign.delete(on: db)
    }
}
