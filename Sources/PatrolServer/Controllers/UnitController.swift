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
    }

    /// The campaign's units the actor may see, filtered; liaisons see only their own unit.
    func visibleUnits(_ req: Request, _ campaign: Campaign, _ filter: Filter) async throws -> [PatrolStore.Unit] {
        let actor = try req.requireActor()
        var query = campaign.$units.query(on: req.db).with(\.$liaisons).with(\.$parent)
        if case .some(let only) = AccessPolicy.visibleUnit(for: actor) { query = query.filter(\.$id == (only ?? UUID())) }
        if let category = filter.category?.nonEmpty { query = query.filter(\.$category == category) }
        if let group = filter.group?.nonEmpty.flatMap(UnitGroup.init(rawValue:)) { query = query.filter(\.$group == group) }
        var units = try await query.sort(\.$code).all()
        if let q = filter.q?.nonEmpty?.lowercased() {
            units = units.filter { $0.name.lowercased().contains(q) || $0.code.lowercased().contains(q) }
        }
        return units
    }

    func assetCounts(_ req: Request, _ campaign: Campaign) async throws -> [UUID: Int] {
        let unitIDs = try await Asset.query(on: req.db).filter(\.$campaign.$id == campaign.requireID()).all(\.$unit.$id)
        return Dictionary(grouping: unitIDs, by: { $0 }).mapValues(\.count)
    }

    struct ListView: Encodable {
        struct Row: Encodable {
            var code, name, href, category, group, groupName: String
            var assets: Int
            var liaisons: Int?
        }
        typealias Option = SelectOption
        var rows: [Row]
        var categories: [Option]
        var groups: [Option]
        var q: String
        var showLiaisons: Bool
        var total: Int
    }

    func list(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let actor = try req.requireActor()
        let filter = try req.query.decode(Filter.self)
        let units = try await visibleUnits(req, campaign, filter)
        let counts = try await assetCounts(req, campaign)
        let showLiaisons = units.contains { AccessPolicy.decide(actor, .viewLiaisonContacts(unitID: $0.id!)) == .allow }
        var liaisonCounts: [UUID: Int] = [:]
        if showLiaisons, !units.isEmpty {
            let ids = try await Liaison.query(on: req.db).filter(\.$unit.$id ~~ units.compactMap(\.id)).all(\.$unit.$id)
            liaisonCounts = Dictionary(grouping: ids, by: { $0 }).mapValues(\.count)
        }
        let allCategories = try await campaign.$units.query(on: req.db).all(\.$category)
        let categories = Array(Set(allCategories)).sorted().map {
            ListView.Option(value: $0, label: $0, selected: $0 == filter.category)
        }
        let groups = UnitGroup.allCases.map {
            ListView.Option(value: $0.rawValue, label: req.t("unit.group.\($0.rawValue)"), selected: $0.rawValue == filter.group)
        }
        let rows = units.map { u in
            ListView.Row(code: u.code, name: u.name, href: campaign.url(.unit(.value(u.code), .page)).path, category: u.category, group: u.group.rawValue,
                         groupName: req.t("unit.group.\(u.group.rawValue)"), assets: counts[u.id!] ?? 0,
                         liaisons: showLiaisons ? liaisonCounts[u.id!] ?? 0 : nil)
        }
        return try await req.page("units", title: req.t("units.title"), campaign: campaign, content: ListView(
            rows: rows, categories: categories, groups: groups, q: filter.q ?? "", showLiaisons: showLiaisons, total: rows.count))
    }

    struct UnitView: Encodable {
        struct AssetRow: Encodable {
            var code, editHref, deleteAction, kind, kindName, target, origin, originName: String
            var ports, note: String?
        }
        var code, name, category, groupName: String
        var note: String?
        var parent: String?
        var liaisons: [UnitDTO.LiaisonDTO]?
        var assets: [AssetRow]
        var canDeclare: Bool
        var declarationClosed: Bool
        var newAssetHref: String
    }

    func show(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let unit = try await req.unit(in: campaign)
        let actor = try req.requireActor()
        let unitID = try unit.requireID()
        var liaisons: [UnitDTO.LiaisonDTO]?
        if AccessPolicy.decide(actor, .viewLiaisonContacts(unitID: unitID)) == .allow {
            liaisons = try await unit.$liaisons.query(on: req.db).sort(\.$position).all().map { .init(name: $0.name, phone: $0.phone) }
        }
        let assets = try await Asset.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
            .filter(\.$unit.$id == unitID).sort(\.$code).all()
        let decision = AccessPolicy.decide(actor, .declareAsset(unitID: unitID, campaignState: campaign.state))
        let mayEverDeclare = AccessPolicy.decide(actor, .declareAsset(unitID: unitID, campaignState: .draft)) == .allow
        let parent = try await unit.$parent.get(on: req.db)?.name
        let content = UnitView(
            code: unit.code, name: unit.name, category: unit.category, groupName: req.t("unit.group.\(unit.group.rawValue)"),
            note: unit.note, parent: parent, liaisons: liaisons,
            assets: assets.map { AssetController.row($0, req, campaign) },
            canDeclare: decision == .allow, declarationClosed: mayEverDeclare && decision != .allow,
            newAssetHref: campaign.url(.unit(.value(unit.code), .newAsset)).path)
        return try await req.page("unit", title: unit.name, campaign: campaign, content: content)
    }

    func dto(_ req: Request, _ unit: PatrolStore.Unit, assets: Int) async throws -> UnitDTO {
        let actor = try req.requireActor()
        var liaisons: [UnitDTO.LiaisonDTO]?
        if AccessPolicy.decide(actor, .viewLiaisonContacts(unitID: try unit.requireID())) == .allow {
            // Lists preload liaisons and parents (`visibleUnits`), so this is no query per unit.
            var all = unit.$liaisons.value ?? []
            if unit.$liaisons.value == nil { all = try await unit.$liaisons.query(on: req.db).all() }
            liaisons = all.sorted { $0.position < $1.position }.map { .init(name: $0.name, phone: $0.phone) }
        }
        var parent = unit.$parent.value.map { $0?.code } ?? nil
        if unit.$parent.value == nil { parent = try await unit.$parent.get(on: req.db)?.code }
        return UnitDTO(code: unit.code, name: unit.name, category: unit.category, group: unit.group.rawValue,
                       parent: parent, note: unit.note, assets: assets, liaisons: liaisons)
    }

    func apiList(req: Request) async throws -> [UnitDTO] {
        let campaign = try await req.campaign()
        let units = try await visibleUnits(req, campaign, try req.query.decode(Filter.self))
        let counts = try await assetCounts(req, campaign)
        var result: [UnitDTO] = []
        for unit in units { result.append(try await dto(req, unit, assets: counts[unit.id!] ?? 0)) }
        return result
    }

    func apiGet(req: Request) async throws -> UnitDTO {
        let campaign = try await req.campaign()
        let unit = try await req.unit(in: campaign)
        let counts = try await assetCounts(req, campaign)
        return try await dto(req, unit, assets: counts[unit.id!] ?? 0)
    }
}
