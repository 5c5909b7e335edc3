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
    }

    // MARK: queries

    struct Filter: Decodable {
        var q: String?
        var unit: String?
        var kind: String?
    }

    func visibleAssets(_ req: Request, _ campaign: Campaign, _ filter: Filter) async throws -> [Asset] {
        let actor = try req.requireActor()
        var query = Asset.query(on: req.db).filter(\.$campaign.$id == (try campaign.requireID())).with(\.$unit)
        if case .some(let only) = AccessPolicy.visibleUnit(for: actor) { query = query.filter(\.$unit.$id == (only ?? UUID())) }
        if let kind = filter.kind?.nonEmpty.flatMap(AssetKind.init(rawValue:)) { query = query.filter(\.$kind == kind) }
        var assets = try await query.sort(\.$code).all()
        if let unit = filter.unit?.nonEmpty { assets = assets.filter { $0.unit.code == unit } }
        if let q = filter.q?.nonEmpty?.lowercased() {
            assets = assets.filter {
                $0.target.lowercased().contains(q) || $0.code.lowercased().contains(q) || $0.unit.name.lowercased().contains(q)
            }
        }
        return assets
    }

    /// The asset named by `:asset` in the campaign, if the actor may see its unit.
    func asset(_ req: Request, _ campaign: Campaign) async throws -> Asset {
        guard let code = req.parameters.get("asset"),
              let asset = try await Asset.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
                .filter(\.$code == code).with(\.$unit).first() else { throw PatrolError.notFound }
        try req.authorize(.viewUnit(unitID: asset.$unit.id))
        return asset
    }

    static func row(_ a: Asset, _ req: Request, _ campaign: Campaign) -> UnitController.UnitView.AssetRow {
        .init(code: a.code, editHref: campaign.url(.asset(.value(a.code), .edit)).path,
              deleteAction: campaign.url(.asset(.value(a.code), .delete)).path, kind: a.kind.rawValue, kindName: req.t("asset.kind.\(a.kind.rawValue)"), target: a.target,
              origin: a.origin.rawValue, originName: req.t("asset.origin.\(a.origin.rawValue)"), ports: a.ports, note: a.note)
    }

    // MARK: pages

    struct ListView: Encodable {
        struct Row: Encodable {
            var asset: UnitController.UnitView.AssetRow
            var unitCode, unitName, unitHref: String
        }
        typealias Option = SelectOption
        var rows: [Row]
        var kinds: [Option]
        var q: String
        var unit: String
        var total: Int
    }

    func list(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let filter = try req.query.decode(Filter.self)
        let assets = try await visibleAssets(req, campaign, filter)
        let kinds = AssetKind.allCases.map {
            ListView.Option(value: $0.rawValue, label: req.t("asset.kind.\($0.rawValue)"), selected: $0.rawValue == filter.kind)
        }
        let rows = assets.map { ListView.Row(asset: Self.row($0, req, campaign), unitCode: $0.unit.code, unitName: $0.unit.name,
                                                unitHref: campaign.url(.unit(.value($0.unit.code), .page)).path) }
        return try await req.page("assets", title: req.t("assets.title"), campaign: campaign, content: ListView(
            rows: rows, kinds: kinds, q: filter.q ?? "", unit: filter.unit ?? "", total: rows.count))
    }

    struct FormView: Encodable {
        typealias Option = SelectOption
        var unitCode, unitName: String
        var action, cancelHref: String
        var editing: Bool
        var code: String?
        var kinds: [Option]
        var origins: [Option]
        var target, ports, note: String
        var error: String?
    }

    struct AssetForm: Content {
        var kind: String
        var target: String
        var ports: String?
        var origin: String?
        var note: String?
    }

    func formView(_ req: Request, unit: PatrolStore.Unit, asset: Asset?, form: AssetForm?, error: String?, campaign: Campaign) -> FormView {
        let kind = form?.kind ?? asset?.kind.rawValue ?? AssetKind.website.rawValue
        let origin = form?.origin ?? asset?.origin.rawValue ?? AssetOrigin.declared.rawValue
        let admin = req.actor.map { AccessPolicy.decide($0, .recordDiscoveredAsset) == .allow } ?? false
        return FormView(
            unitCode: unit.code, unitName: unit.name,
            action: campaign.url(asset.map { .asset(.value($0.code), .page) } ?? .unit(.value(unit.code), .assets)).path,
            cancelHref: campaign.url(.unit(.value(unit.code), .page)).path,
            editing: asset != nil, code: asset?.code,
            kinds: AssetKind.allCases.map { .init(value: $0.rawValue, label: req.t("asset.kind.\($0.rawValue)"), selected: $0.rawValue == kind) },
            // Only the organiser records assets found during testing.
            origins: (admin ? AssetOrigin.allCases : [.declared]).map {
                .init(value: $0.rawValue, label: req.t("asset.origin.\($0.rawValue)"), selected: $0.rawValue == origin)
            },
            target: form?.target ?? asset?.target ?? "", ports: form?.ports ?? asset?.ports ?? "",
            note: form?.note ?? asset?.note ?? "", error: error)
    }

    func newForm(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let unit = try await req.unit(in: campaign)
        try req.authorize(.declareAsset(unitID: try unit.requireID(), campaignState: campaign.state))
        return try await req.page("asset-form", title: req.t("asset.new.title"), campaign: campaign,
                                  content: formView(req, unit: unit, asset: nil, form: nil, error: nil, campaign: campaign))
    }

    func editForm(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let asset = try await asset(req, campaign)
        try req.authorize(.declareAsset(unitID: asset.$unit.id, campaignState: campaign.state))
        return try await req.page("asset-form", title: req.t("asset.edit.title"), campaign: campaign,
                                  content: formView(req, unit: asset.unit, asset: asset, form: nil, error: nil, campaign: campaign))
    }

    func create(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let unit = try await req.unit(in: campaign)
        try req.authorize(.declareAsset(unitID: try unit.requireID(), campaignState: campaign.state))
        let form = try req.content.decode(AssetForm.self)
        do {
            _ = try await save(req, campaign: campaign, unit: unit, asset: nil, form: form)
            return req.seeOther(campaign.url(.unit(.value(unit.code), .page)).path)
        } catch let error as PatrolError where error.status == .unprocessableEntity {
            return try await rerender(req, campaign, unit, nil, form, error)
        }
    }

    func update(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let asset = try await asset(req, campaign)
        try req.authorize(.declareAsset(unitID: asset.$unit.id, campaignState: campaign.state))
        let form = try req.content.decode(AssetForm.self)
        do {
            _ = try await save(req, campaign: campaign, unit: asset.unit, asset: asset, form: form)
            return req.seeOther(campaign.url(.unit(.value(asset.unit.code), .page)).path)
        } catch let error as PatrolError where error.status == .unprocessableEntity {
            return try await rerender(req, campaign, asset.unit, asset, form, error)
        }
    }

    func rerender(_ req: Request, _ campaign: Campaign, _ unit: PatrolStore.Unit, _ asset: Asset?, _ form: AssetForm,
                  _ error: PatrolError) async throws -> Response {
        let view = try await req.page("asset-form", title: req.t(asset == nil ? "asset.new.title" : "asset.edit.title"),
                                      campaign: campaign,
                                      content: formView(req, unit: unit, asset: asset, form: form, error: req.t(error), campaign: campaign))
        let response = try await view.encodeResponse(for: req)
        response.status = .unprocessableEntity
        return response
    }

    func delete(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let asset = try await asset(req, campaign)
        try await remove(req, campaign: campaign, asset: asset)
        return req.seeOther(campaign.url(.unit(.value(asset.unit.code), .page)).path)
    }

    // MARK: the one place assets change

    func save(_ req: Request, campaign: Campaign, unit: PatrolStore.Unit, asset existing: Asset?, form: AssetForm) async throws -> Asset {
        guard let kind = AssetKind(rawValue: form.kind) else {
            throw PatrolError.invalid("error.asset.kind", ["kind": form.kind])
        }
        let origin = form.origin?.nonEmpty.flatMap(AssetOrigin.init(rawValue:)) ?? existing?.origin ?? .declared
        if origin == .discovered, req.actor.map({ AccessPolicy.decide($0, .recordDiscoveredAsset) }) != .allow {
            throw PatrolError.invalid("error.asset.origin")
        }
        let target = form.target.trimmingCharacters(in: .whitespacesAndNewlines)
        let ports = form.ports?.nonEmpty
        if let problem = AssetTarget.check(kind: kind, target: target, ports: ports) {
            throw PatrolError.invalid("error.asset.\(problem.rawValue)", ["target": target])
        }
        let campaignID = try campaign.requireID()
        let unitID = try unit.requireID()
        let duplicate = try await Asset.query(on: req.db).filter(\.$campaign.$id == campaignID)
            .filter(\.$target == target).first()
        if let duplicate, duplicate.id != existing?.id {
            throw PatrolError.conflict("error.asset.duplicate", ["target": target, "code": duplicate.code])
        }
        return try await req.db.transaction { db in
            let asset: Asset
            var changes: [String: String] = [:]
            if let existing {
                asset = existing
                if asset.kind != kind { changes["kind"] = "\(asset.kind.rawValue) → \(kind.rawValue)" }
                if asset.target != target { changes["target"] = "\(asset.target) → \(target)" }
                if asset.ports != ports { changes["ports"] = "\(asset.ports ?? "") → \(ports ?? "")" }
                if asset.origin != origin { changes["origin"] = "\(asset.origin.rawValue) → \(origin.rawValue)" }
                asset.kind = kind; asset.target = target; asset.ports = ports; asset.origin = origin
                asset.note = form.note?.nonEmpty
            } else {
                let codes = try await Asset.query(on: db).filter(\.$campaign.$id == campaignID).filter(\.$unit.$id == unitID).all(\.$code)
                let next = (codes.compactMap { Int($0.split(separator: "-").last ?? "") }.max() ?? 0) + 1
                asset = Asset(campaignID: campaignID, unitID: unitID, code: "\(unit.code)-\(next)", kind: kind, target: target,
                              ports: ports, origin: origin, note: form.note?.nonEmpty)
                changes = ["kind": kind.rawValue, "target": target, "ports": ports ?? "", "origin": origin.rawValue]
            }
            try await asset.save(on: db)
            try await AuditLog.append(on: db, req.auditContext, action: existing == nil ? "asset.create" : "asset.update",
                                      objectType: "asset", objectID: "\(campaign.code)/\(asset.code)", details: changes)
            asset.$unit.value = unit
            return asset
        }
    }

    func remove(_ req: Request, campaign: Campaign, asset: Asset) async throws {
        try req.authorize(.declareAsset(unitID: asset.$unit.id, campaignState: campaign.state))
        let used = try await Finding.query(on: req.db).filter(\.$asset.$id == asset.requireID()).count()
        guard used == 0 else { throw PatrolError.conflict("error.asset.inUse", ["code": asset.code, "n": "\(used)"]) }
        try await req.db.transaction { db in
            try await asset.delete(on: db)
            try await AuditLog.append(on: db, req.auditContext, action: "asset.delete", objectType: "asset",
                                      objectID: "\(campaign.code)/\(asset.code)", details: ["target": asset.target])
        }
    }

    // MARK: API

    func apiList(req: Request) async throws -> [AssetDTO] {
        let campaign = try await req.campaign()
        return try await visibleAssets(req, campaign, try req.query.decode(Filter.self)).map { AssetDTO($0, unitCode: $0.unit.code) }
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
        let asset = try await save(req, campaign: campaign, unit: unit, asset: nil,
                                   form: .init(kind: body.kind, target: body.target, ports: body.ports, origin: body.origin, note: body.note))
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
        let saved = try await save(req, campaign: campaign, unit: asset.unit, asset: asset, form: .init(
            kind: body.kind ?? asset.kind.rawValue, target: body.target ?? asset.target, ports: body.ports ?? asset.ports,
            origin: body.origin ?? asset.origin.rawValue, note: body.note ?? asset.note))
        return AssetDTO(saved, unitCode: asset.unit.code)
    }

    func apiDelete(req: Request) async throws -> HTTPStatus {
        let campaign = try await req.campaign()
        let asset = try await asset(req, campaign)
        try await remove(req, campaign: campaign, asset: asset)
        return .noContent
    }
}
