import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// The organiser's review of declared assets: one asset's decision from the assets page, several
/// at once from the review queue (`…/assets?review=pending`), and the same in the API.
struct AssetReviewController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.POST, .campaign(.key, .asset(.key, .review)), access: .policy(.reviewAssets), use: reviewOne)
        routes.endpoint(.POST, .campaign(.key, .assetReview), access: .policy(.reviewAssets), use: reviewMany)
        routes.endpoint(.PUT, .api(.campaign(.key, .asset(.key, .review))), access: .policy(.reviewAssets), use: apiReviewOne)
        routes.endpoint(.POST, .api(.campaign(.key, .assetReview)), access: .policy(.reviewAssets), use: apiReviewMany)
    }

    func reviewing(_ req: Request) throws -> AssetReviewing {
        AssetReviewing(db: req.db, actor: try req.requireActor(), audit: req.auditContext)
    }

    /// The campaign's assets named by `codes`, every one of them, or an error naming the first unknown.
    func assets(_ req: Request, _ campaign: Campaign, codes: [String]) async throws -> [Asset] {
        let found = try await Asset.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
            .filter(\.$code ~~ codes).with(\.$unit).all()
        let known = Set(found.map(\.code))
        if let missing = codes.first(where: { !known.contains($0) }) {
            throw PatrolError.invalid("error.assetReview.unknown", ["code": missing])
        }
        return found
    }

    /// Back to the review queue when it still holds assets, otherwise to every asset.
    func back(_ req: Request, _ campaign: Campaign) async throws -> Response {
        let pending = try await Asset.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
            .filter(\.$review == .pending).count()
        return req.seeOther(campaign.url(.assets).path(query: [("review", pending > 0 ? AssetReview.pending.rawValue : nil)]))
    }

    func reviewOne(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let asset = try await AssetController().asset(req, campaign)
        var draft = try req.content.decode(AssetReviewDraft.self)
        draft.assets = nil
        try await reviewing(req).decide(draft, on: [asset], campaign: campaign)
        return try await back(req, campaign)
    }

    func reviewMany(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let draft = try req.content.decode(AssetReviewDraft.self)
        let assets = try await assets(req, campaign, codes: draft.assets ?? [])
        try await reviewing(req).decide(draft, on: assets, campaign: campaign)
        return try await back(req, campaign)
    }

    func apiReviewOne(req: Request) async throws -> AssetDTO {
        let campaign = try await req.campaign()
        let asset = try await AssetController().asset(req, campaign)
        var draft = try req.content.decode(AssetReviewDraft.self)
        draft.assets = nil
        try await reviewing(req).decide(draft, on: [asset], campaign: campaign)
        return AssetDTO(asset, unitCode: asset.unit.code)
    }

    struct ManyAnswer: Content {
        /// How many assets changed (those already in the decided state are left as they were).
        var changed: Int
        var assets: [AssetDTO]
    }

    func apiReviewMany(req: Request) async throws -> ManyAnswer {
        let campaign = try await req.campaign()
        let draft = try req.content.decode(AssetReviewDraft.self)
        let assets = try await assets(req, campaign, codes: draft.assets ?? [])
        let changed = try await reviewing(req).decide(draft, on: assets, campaign: campaign)
        return ManyAnswer(changed: changed, assets: assets.sorted { $0.code < $1.code }.map { AssetDTO($0, unitCode: $0.unit.code) })
    }
}
