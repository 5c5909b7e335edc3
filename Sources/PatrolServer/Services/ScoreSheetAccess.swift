import Fluent
import PatrolCore
import PatrolStore

/// A campaign's score sheet as one reader may see it (SPEC §5), through the access policy: admins,
/// reviewers and observers see every unit; a liaison sees only their own unit's row, and only once
/// the scores are published. A sheet that cannot be computed is a conflict naming why.
struct ScoreSheetAccess {
    let db: any Database
    let actor: Actor
    /// The application's memo of provisional sheets (`Application.scoreMemo`).
    let memo: ScoreMemo

    /// Whether the reader sees one unit's row at most (a liaison), rather than the ranking.
    var limitedToOneUnit: Bool {
        if case .some = AccessPolicy.visibleUnit(for: actor) { return true }
        return false
    }

    /// The sheet in force: the published one, else computed now; and whether it is published.
    func current(_ campaign: Campaign) async throws -> (ScoreSheetDocument, Bool) {
        do {
            return try await ScorePublication.current(for: campaign, memo: memo, on: db)
        } catch let error as ScoringError {
            throw PatrolError.conflict("error.score.cannotScore", ["detail": error.description])
        }
    }

    /// The sheet the reader may see: the whole sheet, or a liaison's own row once published.
    func visibleSheet(_ campaign: Campaign) async throws -> (doc: ScoreSheetDocument, published: Bool) {
        let published = campaign.state == .published
        try PatrolError.enforce(AccessPolicy.decide(actor, .viewScores(published: published)))
        var (doc, frozen) = try await current(campaign)
        if case .some(let only) = AccessPolicy.visibleUnit(for: actor) {
            var code: String?
            if let only { code = try await PatrolStore.Unit.find(only, on: db)?.code }
            doc.units = doc.units.filter { $0.unit == code }
        }
        return (doc, frozen)
    }

    /// The whole sheet, for the export; not found for a reader limited to one unit.
    func wholeSheet(_ campaign: Campaign) async throws -> ScoreSheetDocument {
        try PatrolError.enforce(AccessPolicy.decide(actor, .viewScores(published: campaign.state == .published)))
        if limitedToOneUnit { throw PatrolError.notFound }
        // A published sheet is exported as published, never recomputed.
        return try await current(campaign).0
    }

    /// One unit's row, once the policy allowed the reader to see that unit's card.
    func visibleRow(_ campaign: Campaign, unit code: String?) async throws
        -> (row: ScoreSheetDocument.Row, doc: ScoreSheetDocument, published: Bool, unit: PatrolStore.Unit) {
        guard let code, let unit = try await PatrolStore.Unit.query(on: db).filter(\.$code == code).first() else {
            throw PatrolError.notFound
        }
        try PatrolError.enforce(AccessPolicy.decide(actor, .viewUnitScore(unitID: try unit.requireID(), published: campaign.state == .published)))
        let (doc, published) = try await current(campaign)
        guard let row = doc.units.first(where: { $0.unit == code }) else { throw PatrolError.notFound }
        return (row, doc, published, unit)
    }
}
