import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// The campaign's assets: a searchable list, and declaration (add, edit, delete) by a unit's
/// liaison before the campaign runs, or by an admin at any time.
struct AssetController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, .campaign(.key, .assets), access: .policy(.listAssets), use: list)
        routes.endpoint(.GET, .campaign(.key, .unit(.key, .newAsset)), access: .signedIn, use: newForm)
        routes.endpoint(.POST, .campaign(.key, .unit(.key, .assets)), access: .signedIn, use: create)
        routes.endpoint(.GET, .campaign(.key, .asset(.key, .edit)), access: .signedIn, use: editForm)
        routes.endpoint(.POST, .campaign(.key, .asset(.key, .page)), access: .signedIn, use: update)
        routes.endpoint(.POST, .campaign(.key, .asset(.key, .delete)), access: .signedIn, use: delete)

        routes.endpoint(.GET, .api(.campaign(.key, .assets)), access: .policy(.listAssets), use: apiList)
        routes.endpoint(.POST, .api(.campaign(.key, .assets)), access: .signedIn, use: apiCreate)
        routes.endpoint(.GET, .api(.campaign(.key, .asset(.key, .page))), access: .signedIn, use: apiGet)
        routes.endpoint(.PATCH, .api(.campaign(.key, .asset(.key, .page))), access: .signedIn, use: apiUpdate)
        routes.endpoint(.DELETE, .api(.campaign(.key, .asset(.key, .page))), access: .signedIn, use: apiDelete)
        routes.endpoint(.POST, .campaign(.key, .asset(.key, .internalNetwork)), access: .policy(.markInternalNetwork), use: markInternal)
        routes.endpoint(.PUT, .api(.campaign(.key, .asset(.key, .internalNetwork))), access: .policy(.markInternalNetwork),
                        use: apiMarkInternal)
    }

    // MARK: queries

    struct Filter: Decodable {
        var q: String?
        var unit: String?
        var kind: String?
        /// `pending`, `approved` or `rejected`: the review queue is `review=pending`.
        var review: String?
        var sort: String?
        var page: Int?
    }

    /// The orders the assets list offers; the first is the default.
    enum Order: String, CaseIterable {
        case code, unit, target
    }

    /// The campaign's assets the actor may see that match `filter`, filtered and searched in the
    /// database (units joined, for the unit filter and the search by unit name, and loaded).
    func visibleAssetQuery(_ req: Request, _ campaign: Campaign, _ filter: Filter) throws -> QueryBuilder<Asset> {
        let actor = try req.requireActor()
        let query = Asset.query(on: req.db).filter(\.$campaign.$id == (try campaign.requireID())).with(\.$unit)
            .join(PatrolStore.Unit.self, on: \Asset.$unit.$id == \PatrolStore.Unit.$id)
        if case .some(let only) = AccessPolicy.visibleUnit(for: actor) { query.filter(\.$unit.$id == (only ?? UUID())) }
        if let kind = filter.kind?.nonEmpty.flatMap(AssetKind.init(rawValue:)) { query.filter(\.$kind == kind) }
        var reviews = AccessPolicy.visibleAssetReviews(for: actor)
        if let only = filter.review?.nonEmpty.flatMap(AssetReview.init(rawValue:)) { reviews.formIntersection([only]) }
        if reviews.count < AssetReview.allCases.count { query.filter(\.$review ~~ Array(reviews)) }
        if let unit = filter.unit?.nonEmpty { query.filter(PatrolStore.Unit.self, \.$code ~~ [unit, unit.uppercased()]) }
        for word in (filter.q ?? "").split(whereSeparator: \.isWhitespace).map(String.init).prefix(5) {
            // Codes are upper case and host names usually lower case; PostgreSQL's LIKE minds case.
            query.group(.or) {
                $0.filter(\.$target ~~ word).filter(\.$target ~~ word.lowercased()).filter(\.$code ~~ word.uppercased())
                    .filter(PatrolStore.Unit.self, \.$name ~~ word)
            }
        }
        return query
    }

    /// The asset named by `:asset` in the campaign, if the actor may see its unit.
    func asset(_ req: Request, _ campaign: Campaign) async throws -> Asset {
        guard let code = req.parameters.get("asset"),
              let asset = try await Asset.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
                .filter(\.$code == code).with(\.$unit).first() else { throw PatrolError.notFound }
        try req.authorize(.viewUnit(unitID: asset.$unit.id))
        return asset
    }

    /// The register of asset changes, acting as the request's user.
    func register(_ req: Request) -> AssetRegister {
        AssetRegister(db: req.db, actor: req.actor, audit: req.auditContext)
    }

    // MARK: pages

    func list(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let filter = try req.query.decode(Filter.self)
        let query = try visibleAssetQuery(req, campaign, filter)
        let order = filter.sort.flatMap(Order.init(rawValue:)) ?? .code
        let pager = Pager(req, total: try await query.copy().count(), asked: filter.page, url: campaign.url(.assets),
                          query: [("kind", filter.kind), ("review", filter.review), ("unit", filter.unit), ("q", filter.q),
                                  ("sort", order == .code ? nil : order.rawValue)])
        switch order {
        case .code: query.sort(\.$code)
        case .unit: query.sort(PatrolStore.Unit.self, \.$code).sort(\.$code)
        case .target: query.sort(\.$target).sort(\.$code)
        }
        let assets = try await query.offset(pager.offset).limit(pager.size).all()
        return try await req.page("assets", title: req.t("assets.title"), campaign: campaign,
                                  content: AssetListPage(req, campaign: campaign, assets: assets, filter: filter, order: order, pager: pager))
    }

    func newForm(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let unit = try await req.unit(in: campaign)
        try req.authorize(.declareAsset(unitID: try unit.requireID(), campaignState: campaign.state))
        return try await req.page("asset-form", title: req.t("asset.new.title"), campaign: campaign,
                                  content: AssetFormPage(req, campaign: campaign, unit: unit, asset: nil, draft: nil, error: nil))
    }

    func editForm(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let asset = try await asset(req, campaign)
        try req.authorize(.declareAsset(unitID: asset.$unit.id, campaignState: campaign.state))
        return try await req.page("asset-form", title: req.t("asset.edit.title"), campaign: campaign,
                                  content: AssetFormPage(req, campaign: campaign, unit: asset.unit, asset: asset, draft: nil, error: nil))
    }

    func create(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let unit = try await req.unit(in: campaign)
        try req.authorize(.declareAsset(unitID: try unit.requireID(), campaignState: campaign.state))
        let form = try req.content.decode(AssetDraft.self)
        do {
            _ = try await register(req).save(form, campaign: campaign, unit: unit, asset: nil)
            return req.seeOther(campaign.url(.unit(.value(unit.code), .page)).path)
        } catch let error as PatrolError where error.status == .unprocessableEntity {
            return try await rerender(req, campaign, unit, nil, form, error)
        }
    }

    func update(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let asset = try await asset(req, campaign)
        try req.authorize(.declareAsset(unitID: asset.$unit.id, campaignState: campaign.state))
        let form = try req.content.decode(AssetDraft.self)
        do {
            _ = try await register(req).save(form, campaign: campaign, unit: asset.unit, asset: asset)
            return req.seeOther(campaign.url(.unit(.value(asset.unit.code), .page)).path)
        } catch let error as PatrolError where error.status == .unprocessableEntity {
            return try await rerender(req, campaign, asset.unit, asset, form, error)
        }
    }

    func rerender(_ req: Request, _ campaign: Campaign, _ unit: PatrolStore.Unit, _ asset: Asset?, _ form: AssetDraft,
                  _ error: PatrolError) async throws -> Response {
        let view = try await req.page("asset-form", title: req.t(asset == nil ? "asset.new.title" : "asset.edit.title"),
                                      campaign: campaign,
                                      content: AssetFormPage(req, campaign: campaign, unit: unit, asset: asset, draft: form, error: req.t(error)))
        let response = try await view.encodeResponse(for: req)
        response.status = .unprocessableEntity
        return response
    }

    func delete(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let asset = try await asset(req, campaign)
        try await register(req).remove(asset, campaign: campaign)
        return req.seeOther(campaign.url(.unit(.value(asset.unit.code), .page)).path)
    }

    // MARK: internal network

    func markInternal(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let asset = try await asset(req, campaign)
        let body = try req.content.decode(InternalNetworkForm.self)
        try await AssetInternalMark(db: req.db, audit: req.auditContext).mark(asset, internalNetwork: body.internalNetwork == "1")
        return req.redirect(to: campaign.url(.assets).path(query: [("unit", asset.unit.code)]))
    }

    struct InternalNetworkForm: Content { var internalNetwork: String }
}
