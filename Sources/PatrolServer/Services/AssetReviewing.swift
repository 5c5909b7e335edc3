import Fluent
import Foundation
import PatrolCore
import PatrolStore

/// The organiser approves or rejects the assets units declared (SPEC §2): only approved assets are
/// in the gateway's scope, so this is the step that opens a target to testers. One decision on
/// several assets is one transaction with an audit entry per asset; the gateways see it at their
/// next refresh (the scope counter moves with the rows).
struct AssetReviewing {
    let db: any Database
    let actor: Actor
    let audit: AuditContext
    var now: Date = Date()

    enum Decision: String { case approve, reject }

    /// Decides on `assets` of `campaign`; a rejection needs a reason. Assets already in the decided
    /// state are left as they are (deciding twice changes nothing and writes no audit entry).
    @discardableResult
    func decide(_ draft: AssetReviewDraft, on assets: [Asset], campaign: Campaign) async throws -> Int {
        try PatrolError.enforce(AccessPolicy.decide(actor, .reviewAssets))
        guard let decision = Decision(rawValue: draft.decision) else {
            throw PatrolError.invalid("error.assetReview.decision", ["decision": draft.decision])
        }
        let reason = draft.reason?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty
        if decision == .reject, reason == nil { throw PatrolError.invalid("error.assetReview.reason") }
        guard !assets.isEmpty else { throw PatrolError.invalid("error.assetReview.none") }
        let review: AssetReview = decision == .approve ? .approved : .rejected
        let changed = assets.filter { $0.review != review || (review == .rejected && $0.reviewReason != reason) }
        guard !changed.isEmpty else { return 0 }
        let (audit, actor, now) = (self.audit, self.actor, self.now)
        try await db.transaction { db in
            for asset in changed {
                let before = asset.review
                asset.review = review
                asset.reviewReason = review == .rejected ? reason : nil
                asset.reviewedBy = actor.username
                asset.reviewedAt = now
                try await asset.save(on: db)
                var details = ["review": "\(before.rawValue) → \(review.rawValue)", "target": asset.target]
                if let reason, review == .rejected { details["reason"] = reason }
                try await AuditLog.append(on: db, audit, action: "asset.\(decision.rawValue)", objectType: "asset",
                                          objectID: "\(campaign.code)/\(asset.code)", details: details)
            }
        }
        return changed.count
    }
}
