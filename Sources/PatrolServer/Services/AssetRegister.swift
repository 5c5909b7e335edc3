import Fluent
import Foundation
import PatrolCore
import PatrolStore

/// The one place a campaign's assets change — declared, corrected, removed — for one actor, with no
/// HTTP in sight: the asset pages and the asset API are adapters over it. Each change is checked
/// (kind, origin, target, a liaison's `DeclarationLimit`, no target twice in a campaign) and saved with its audit entry in one
/// transaction; refusals are `PatrolError`s naming what is wrong.
struct AssetRegister {
    let db: any Database
    let actor: Actor?
    /// Who acted, from where, for the audit log.
    let audit: AuditContext

    /// Declares a new asset of `unit` (`existing` nil), numbered after the unit's code, or corrects `existing`.
    func save(_ draft: AssetDraft, campaign: Campaign, unit: PatrolStore.Unit, asset existing: Asset?) async throws -> Asset {
        guard let kind = AssetKind(rawValue: draft.kind) else {
            throw PatrolError.invalid("error.asset.kind", ["kind": draft.kind])
        }
        let origin = draft.origin?.nonEmpty.flatMap(AssetOrigin.init(rawValue:)) ?? existing?.origin ?? .declared
        if origin == .discovered, actor.map({ AccessPolicy.decide($0, .recordDiscoveredAsset) }) != .allow {
            throw PatrolError.invalid("error.asset.origin")
        }
        let target = draft.target.trimmingCharacters(in: .whitespacesAndNewlines)
        let ports = draft.ports?.nonEmpty
        if let problem = AssetTarget.check(kind: kind, target: target, ports: ports) {
            throw PatrolError.invalid("error.asset.\(problem.rawValue)", ["target": target])
        }
        if let role = actor?.role, let refusal = DeclarationLimit.check(kind: kind, target: target, role: role) {
            throw Self.error(refusal, kind: kind, target: target)
        }
        let campaignID = try campaign.requireID()
        let unitID = try unit.requireID()
        let duplicate = try await Asset.query(on: db).filter(\.$campaign.$id == campaignID)
            .filter(\.$target == target).first()
        if let duplicate, duplicate.id != existing?.id {
            throw PatrolError.conflict("error.asset.duplicate", ["target": target, "code": duplicate.code])
        }
        let audit = self.audit
        return try await db.transaction { db in
            let asset: Asset
            var changes: [String: String] = [:]
            if let existing {
                asset = existing
                if asset.kind != kind { changes["kind"] = "\(asset.kind.rawValue) → \(kind.rawValue)" }
                if asset.target != target { changes["target"] = "\(asset.target) → \(target)" }
                if asset.ports != ports { changes["ports"] = "\(asset.ports ?? "") → \(ports ?? "")" }
                if asset.origin != origin { changes["origin"] = "\(asset.origin.rawValue) → \(origin.rawValue)" }
                let scopeChanged = asset.kind != kind || asset.target != target || asset.ports != ports
                asset.kind = kind; asset.target = target; asset.ports = ports; asset.origin = origin
                asset.note = draft.note?.nonEmpty
                // A liaison's correction of what testers may reach is reviewed again; a note is not.
                if scopeChanged || asset.review == .rejected { Self.review(asset, by: actor, changes: &changes) }
            } else {
                let codes = try await Asset.query(on: db).filter(\.$campaign.$id == campaignID).filter(\.$unit.$id == unitID).all(\.$code)
                let next = (codes.compactMap { Int($0.split(separator: "-").last ?? "") }.max() ?? 0) + 1
                asset = Asset(campaignID: campaignID, unitID: unitID, code: "\(unit.code)-\(next)", kind: kind, target: target,
                              ports: ports, origin: origin, note: draft.note?.nonEmpty)
                changes = ["kind": kind.rawValue, "target": target, "ports": ports ?? "", "origin": origin.rawValue]
                Self.review(asset, by: actor, changes: &changes)
            }
            try await asset.save(on: db)
            try await AuditLog.append(on: db, audit, action: existing == nil ? "asset.create" : "asset.update",
                                      objectType: "asset", objectID: "\(campaign.code)/\(asset.code)", details: changes)
            asset.$unit.value = unit
            return asset
        }
    }

    /// Sets the review a save gives (`AssetReview.onSave`): the organiser's own entry is approved
    /// by them, a liaison's waits for review.
    static func review(_ asset: Asset, by actor: Actor?, changes: inout [String: String]) {
        let review = AssetReview.onSave(by: actor?.role)
        if asset.review != review || asset.id == nil { changes["review"] = review.rawValue }
        asset.review = review
        asset.reviewReason = nil
        asset.reviewedBy = review == .approved ? actor?.username : nil
        asset.reviewedAt = review == .approved ? Date() : nil
    }

    /// A declaration limit's refusal (see `DeclarationLimit`) as the error naming the target.
    static func error(_ refusal: DeclarationLimit.Refusal, kind: AssetKind, target: String) -> PatrolError {
        switch refusal {
        case .tooWide(let shortest):
            return PatrolError.invalid("error.asset.tooWide", ["target": target, "prefix": "\(shortest)"])
        case .special(_, let range):
            return PatrolError.invalid("error.asset.special", ["target": target, "range": range.description])
        case .unreadable:
            return PatrolError.invalid(kind == .ip ? "error.asset.notIP" : "error.asset.notCIDR", ["target": target])
        }
    }

    /// Removes an asset no finding names.
    func remove(_ asset: Asset, campaign: Campaign) async throws {
        try PatrolError.enforce(AccessPolicy.decide(actor, .declareAsset(unitID: asset.$unit.id, campaignState: campaign.state)))
        let used = try await Finding.query(on: db).filter(\.$asset.$id == asset.requireID()).count()
        guard used == 0 else { throw PatrolError.conflict("error.asset.inUse", ["code": asset.code, "n": "\(used)"]) }
        let audit = self.audit
        try await db.transaction { db in
            try await asset.delete(on: db)
            try await AuditLog.append(on: db, audit, action: "asset.delete", objectType: "asset",
                                      objectID: "\(campaign.code)/\(asset.code)", details: ["target": asset.target])
        }
    }
}
