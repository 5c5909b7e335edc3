import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// The assets in the API: the same register, lookups and access rules as the pages.
extension AssetController {
    /// A page of the assets the actor may see, by code (keyset).
    func apiList(req: Request) async throws -> APIPage<AssetDTO> {
        let campaign = try await req.campaign()
        let (assets, next, total) = try await visibleAssetQuery(req, campaign, try req.query.decode(Filter.self))
            .apiPage(try req.query.decode(PageRequest.self), by: \.$code)
        return APIPage(items: assets.map { AssetDTO($0, unitCode: $0.unit.code) }, nextCursor: next, total: total)
    }

    func apiGet(req: Request) async throws -> AssetDTO {
        let campaign = try await req.campaign()
        let asset = try await asset(req, campaign)
        return AssetDTO(asset, unitCode: asset.unit.code)
    }

    struct APICreate: Content {
        var unit: String
        var kind: String
        var target: String
        var ports: String?
        var origin: String?
        var note: String?
    }

    func apiCreate(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let body = try req.content.decode(APICreate.self)
        guard let unit = try await PatrolStore.Unit.query(on: req.db).filter(\.$code == body.unit).first(),
              try await CampaignUnit.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
                .filter(\.$unit.$id == unit.requireID()).first() != nil else {
            // Whether a unit exists is itself not told to those who may not see it.
            if let actor = req.actor, case .some = AccessPolicy.visibleUnit(for: actor) { throw PatrolError.notFound }
            throw PatrolError.invalid("error.unit.unknown", ["code": body.unit])
        }
        try req.authorize(.declareAsset(unitID: try unit.requireID(), campaignState: campaign.state))
        let asset = try await register(req).save(.init(kind: body.kind, target: body.target, ports: body.ports, origin: body.origin, note: body.note),
                                                 campaign: campaign, unit: unit, asset: nil)
        let response = Response(status: .created)
        try response.content.encode(AssetDTO(asset, unitCode: unit.code))
        return response
    }

    struct APIUpdate: Content {
        var kind: String?
        var target: String?
        var ports: String?
        var origin: String?
        var note: String?
    }

    func apiUpdate(req: Request) async throws -> AssetDTO {
        let campaign = try await req.campaign()
        let asset = try await asset(req, campaign)
        try req.authorize(.declareAsset(unitID: asset.$unit.id, campaignState: campaign.state))
        let body = try req.content.decode(APIUpdate.self)
        let saved = try await register(req).save(.init(
            kind: body.kind ?? asset.kind.rawValue, target: body.target ?? asset.target, ports: body.ports ?? asset.ports,
            origin: body.origin ?? asset.origin.rawValue, note: body.note ?? asset.note), campaign: campaign, unit: asset.unit, asset: asset)
        return AssetDTO(saved, unitCode: asset.unit.code)
    }

    struct InternalNetworkBody: Content { var internalNetwork: Bool }

    func apiMarkInternal(req: Request) async throws -> AssetDTO {
        let campaign = try await req.campaign()
        let asset = try await asset(req, campaign)
        let body = try req.content.decode(InternalNetworkBody.self)
        try await AssetInternalMark(db: req.db, audit: req.auditContext).mark(asset, internalNetwork: body.internalNetwork)
        return AssetDTO(asset, unitCode: asset.unit.code)
    }

    func apiDelete(req: Request) async throws -> HTTPStatus {
        let campaign = try await req.campaign()
        let asset = try await asset(req, campaign)
        try await register(req).remove(asset, campaign: campaign)
        return .noContent
    }
}
