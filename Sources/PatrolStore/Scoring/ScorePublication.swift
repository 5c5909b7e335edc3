import Crypto
import FluentKit
import Foundation
import PatrolCore

/// Publishing and reading scores. Published scores are frozen: the sheet is stored as it was at
/// publication, so what a unit's leadership saw does not move when data changes afterwards.
public enum ScorePublication {
    public enum Failure: Error, Equatable {
        /// Only a closed campaign can have its scores published.
        case notClosed(CampaignState)
        case scoring(ScoringError)
    }

    /// The sheet to show: the frozen one once published, otherwise provisional: from the memo when
    /// one is given (pages), else computed now (the command line, which runs once).
    public static func current(for campaign: Campaign, memo: ScoreMemo? = nil,
                               on db: any Database) async throws -> (document: ScoreSheetDocument, published: Bool) {
        if campaign.state == .published, let json = campaign.publishedScoresJSON,
           let doc = try? JSONDecoder().decode(ScoreSheetDocument.self, from: Data(json.utf8)) {
            return (doc, true)
        }
        if let memo { return (try await memo.document(for: campaign, on: db), campaign.state == .published) }
        let sheet = try await ScoringData.sheet(for: campaign, on: db)
        return (ScoreSheetDocument(campaign: campaign.code, sheet: sheet, timeZone: campaign.zone), campaign.state == .published)
    }

    /// Scores a closed campaign at its scoring instant (set to `now` if it had none), freezes the
    /// sheet, marks the campaign published and audits it, all in one transaction.
    @discardableResult
    public static func publish(_ campaign: Campaign, now: Date = Date(), reason: String? = nil, context: AuditContext,
                               on db: any Database) async throws -> ScoreSheetDocument {
        guard campaign.state == .closed else { throw Failure.notClosed(campaign.state) }
        let at = campaign.scoredAt ?? now
        let sheet: ScoreSheet
        do {
            sheet = try ScoringEngine.score(try await ScoringData.input(for: campaign, at: at, on: db))
        } catch let error as ScoringError {
            throw Failure.scoring(error)
        }
        let doc = ScoreSheetDocument(campaign: campaign.code, sheet: sheet, timeZone: campaign.zone)
        let data = doc.encoded()
        let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        var details = ["scoredAt": BundleDate.format(at, in: campaign.zone), "units": String(doc.units.count), "sha256": digest]
        if let reason { details["reason"] = reason }
        let recorded = details
        try await db.transaction { db in
            campaign.scoredAt = at
            campaign.state = .published
            campaign.publishedAt = now
            campaign.publishedScoresJSON = String(decoding: data, as: UTF8.self)
            try await campaign.save(on: db)
            try await AuditLog.append(on: db, context, action: "scores.publish", objectType: "campaign", objectID: campaign.code,
                                      details: recorded)
        }
        return doc
    }

    /// Clears a publication when the campaign leaves the published state (the caller audits the change).
    public static func withdraw(_ campaign: Campaign) {
        campaign.publishedAt = nil
        campaign.publishedScoresJSON = nil
    }
}
