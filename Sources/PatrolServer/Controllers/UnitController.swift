import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// The units of a campaign: a filterable list and a unit's page with its assets and liaisons.
struct UnitController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, .campaign(.key, .units), access: .policy(.listUnits), use: list)
        routes.endpoint(.GET, .campaign(.key, .unit(.key, .page)), access: .signedIn, use: show)

        routes.endpoint(.GET, .api(.campaign(.key, .units)), access: .policy(.listUnits), use: apiList)
        routes.endpoint(.GET, .api(.campaign(.key, .unit(.key, .page))), access: .signedIn, use: apiGet)
    }

    struct Filter: Decodable {
        var category: String?
        var group: String?
        var q: String?
        /// `none`, `pending`, `confirmed` or `rejected` (`DeclarationStatus`).
        var declaration: String?
        /// How many reminders the last press of the SMS reminder wrote, to say so.
        var reminded: String?
        var sort: String?
        var page: Int?
    }

    /// The orders the units list offers; the first is the default.
    enum Order: String, CaseIterable {
        case code, name, category
    }

    /// The campaign's units the actor may see that match the filter's category, group and words
    /// (in the name or the code), in the database; liaisons see only their own unit.
    func visibleUnitQuery(_ req: Request, _ campaign: Campaign, _ filter: Filter) throws -> QueryBuilder<PatrolStore.Unit> {
        let actor = try req.requireActor()
        let query = campaign.$units.query(on: req.db)
        if case .some(let only) = AccessPolicy.visibleUnit(for: actor) { query.filter(\.$id == (only ?? UUID())) }
        if let category = filter.category?.nonEmpty { query.filter(\.$category == category) }
        if let group = filter.group?.nonEmpty.flatMap(UnitGroup.init(rawValue:)) { query.filter(\.$group == group) }
        for word in (filter.q ?? "").split(whereSeparator: \.isWhitespace).map(String.init).prefix(5) {
            query.group(.or) { $0.filter(\.$name ~~ word).filter(\.$code ~~ word.uppercased()) }
        }
        return query
    }

    func assetCounts(_ req: Request, _ campaign: Campaign, units: [UUID]? = nil) async throws -> [UUID: Int] {
        try await Asset.countsByUnit(campaignID: campaign.requireID(), reviews: AccessPolicy.visibleAssetReviews(for: try req.requireActor()),
                                     units: units, on: req.db)
    }

    /// One page of the units the reader may see, filtered, searched and sorted in the database.
    /// The declaration status comes from one grouped count of the campaign's assets, so its filter
    /// and its counts are a list of unit ids, not the units themselves.
    func list(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let actor = try req.requireActor()
        let filter = try req.query.decode(Filter.self)
        let query = try visibleUnitQuery(req, campaign, filter)
        let reviews = try await Asset.reviewCountsByUnit(campaignID: campaign.requireID(), on: req.db)
        let statuses = reviews.mapValues { DeclarationStatus(pending: $0[.pending] ?? 0, approved: $0[.approved] ?? 0, rejected: $0[.rejected] ?? 0) }
        // Every unit the other filters keep, by declaration status, for the counts above the list.
        let matching = try await query.copy().all(\.$id)
        var byStatus: [DeclarationStatus: Int] = [:]
        for id in matching { byStatus[statuses[id] ?? .none, default: 0] += 1 }
        let wanted = filter.declaration?.nonEmpty.flatMap(DeclarationStatus.init(rawValue:))
        if let wanted {
            // A unit without assets has declared nothing: `none` is every unit not otherwise declared.
            let declared = statuses.filter { $0.value != .none }
            if wanted == .none {
                if !declared.isEmpty { query.filter(\.$id !~ Array(declared.keys)) }
            } else {
                let ids = declared.filter { $0.value == wanted }.map(\.key)
                query.filter(\.$id ~~ (ids.isEmpty ? [UUID()] : ids))
            }
        }
        let total = wanted.map { byStatus[$0] ?? 0 } ?? matching.count
        let order = filter.sort.flatMap(Order.init(rawValue:)) ?? .code
        let pager = Pager(req, total: total, asked: filter.page, url: campaign.url(.units),
                          query: [("category", filter.category), ("group", filter.group), ("q", filter.q),
                                  ("declaration", filter.declaration), ("sort", order == .code ? nil : order.rawValue)])
        switch order {
        case .code: query.sort(\.$code)
        case .name: query.sort(\.$name).sort(\.$code)
        case .category: query.sort(\.$category).sort(\.$code)
        }
        let units = try await query.offset(pager.offset).limit(pager.size).all()
        let showLiaisons = units.contains { AccessPolicy.decide(actor, .viewLiaisonContacts(unitID: $0.id!)) == .allow }
        let liaisonCounts = showLiaisons ? try await Liaison.countsByUnit(units.compactMap(\.id), on: req.db) : nil
        let categories = try await campaign.$units.query(on: req.db).unique().field(\.$category).all().map(\.category).sorted()
        let content = UnitListPage(req, campaign: campaign, units: units, statuses: statuses, byStatus: byStatus,
                                   categories: categories, reviewCounts: reviews, liaisonCounts: liaisonCounts, filter: filter,
                                   order: order, pager: pager, actor: actor)
        return try await req.page("units", title: req.t("units.title"), campaign: campaign, content: content)
    }

    func show(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let unit = try await req.unit(in: campaign)
        return try await req.page("unit", title: unit.name, campaign: campaign, content: try await UnitPage(req, campaign: campaign, unit: unit))
    }

    func dto(_ req: Request, _ unit: PatrolStore.Unit, assets: Int) async throws -> UnitDTO {
        let actor = try req.requireActor()
        var liaisons: [UnitDTO.LiaisonDTO]?
        if AccessPolicy.decide(actor, .viewLiaisonContacts(unitID: try unit.requireID())) == .allow {
            // Lists preload liaisons and parents (`apiList`), so this is no query per unit.
            var all = unit.$liaisons.value ?? []
            if unit.$liaisons.value == nil { all = try await unit.$liaisons.query(on: req.db).all() }
            liaisons = all.sorted { $0.position < $1.position }.map { .init(name: $0.name, phone: $0.phone, officePhone: $0.officePhone, email: $0.email) }
        }
        var parent = unit.$parent.value.map { $0?.code } ?? nil
        if unit.$parent.value == nil { parent = try await unit.$parent.get(on: req.db)?.code }
        return UnitDTO(code: unit.code, name: unit.name, category: unit.category, group: unit.group.rawValue,
                       parent: parent, note: unit.note, assets: assets, liaisons: liaisons)
    }

    /// A page of the units the actor may see, by code (keyset), with their liaisons and parents.
    func apiList(req: Request) async throws -> APIPage<UnitDTO> {
        let campaign = try await req.campaign()
        let (units, next, total) = try await visibleUnitQuery(req, campaign, try req.query.decode(Filter.self))
            .with(\.$liaisons).with(\.$parent).apiPage(try req.query.decode(PageRequest.self), by: \.$code)
        let counts = try await assetCounts(req, campaign, units: units.compactMap(\.id))
        var items: [UnitDTO] = []
        for unit in units { items.append(try await dto(req, unit, assets: counts[unit.id!] ?? 0)) }
        return APIPage(items: items, nextCursor: next, total: total)
    }

    func apiGet(req: Request) async throws -> UnitDTO {
        let campaign = try await req.campaign()
        let unit = try await req.unit(in: campaign)
        let counts = try await assetCounts(req, campaign, units: [try unit.requireID()])
        return try await dto(req, unit, assets: counts[unit.id!] ?? 0)
    }
}
