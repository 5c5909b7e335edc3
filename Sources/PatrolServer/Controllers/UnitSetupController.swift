import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// The organiser adds, corrects and retires units of a campaign, with their liaisons, in the
/// browser and the API (`UnitRoster` holds the rules). Lists of units come in by `ImportController`.
struct UnitSetupController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, .campaign(.key, .newUnit), access: .policy(.manageUnits), use: newForm)
        routes.endpoint(.POST, .campaign(.key, .units), access: .policy(.manageUnits), use: create)
        routes.endpoint(.GET, .campaign(.key, .unit(.key, .edit)), access: .policy(.manageUnits), use: editForm)
        routes.endpoint(.POST, .campaign(.key, .unit(.key, .edit)), access: .policy(.manageUnits), use: update)
        routes.endpoint(.POST, .campaign(.key, .unit(.key, .retire)), access: .policy(.manageUnits), use: retire)

        routes.endpoint(.POST, .campaign(.key, .remindDeclarations), access: .policy(.manageUnits), use: remind)
        routes.endpoint(.POST, .api(.campaign(.key, .units)), access: .policy(.manageUnits), use: apiCreate)
        routes.endpoint(.POST, .api(.campaign(.key, .remindDeclarations)), access: .policy(.manageUnits), use: apiRemind)
        routes.endpoint(.PATCH, .api(.campaign(.key, .unit(.key, .page))), access: .policy(.manageUnits), use: apiUpdate)
        routes.endpoint(.DELETE, .api(.campaign(.key, .unit(.key, .page))), access: .policy(.manageUnits), use: apiRetire)
    }

    func roster(_ req: Request) throws -> UnitRoster {
        UnitRoster(db: req.db, actor: try req.requireActor(), audit: req.auditContext)
    }

    func form(_ req: Request, _ campaign: Campaign, _ unit: PatrolStore.Unit?, _ draft: UnitDraft?, _ error: PatrolError?) async throws -> Response {
        var liaisons: [Liaison] = []
        if let unit { liaisons = try await unit.$liaisons.query(on: req.db).sort(\.$position).all() }
        let parent = try await unit?.$parent.get(on: req.db)?.code
        let view = try await req.page("unit-form", title: req.t(unit == nil ? "unit.new" : "unit.edit"), campaign: campaign,
                                      content: UnitFormPage(req, campaign: campaign, unit: unit, liaisons: liaisons, parentCode: parent,
                                                            draft: draft, error: error))
        let response = try await view.encodeResponse(for: req)
        if let error { response.status = error.status }
        return response
    }

    func newForm(req: Request) async throws -> Response { try await form(req, try await req.campaign(), nil, nil, nil) }

    func editForm(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        return try await form(req, campaign, try await req.unit(in: campaign), nil, nil)
    }

    func create(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let draft = try req.content.decode(UnitDraft.self)
        do {
            let unit = try await roster(req).add(draft, to: campaign)
            return req.seeOther(campaign.url(.unit(.value(unit.code), .page)).path)
        } catch let error as PatrolError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await form(req, campaign, nil, draft, error)
        }
    }

    func update(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let unit = try await req.unit(in: campaign)
        var draft = try req.content.decode(UnitDraft.self)
        // The form always shows the liaison rows: all left empty means the unit has none.
        draft.liaisons = draft.liaisons ?? []
        do {
            try await roster(req).update(unit, with: draft)
            return req.seeOther(campaign.url(.unit(.value(unit.code), .page)).path)
        } catch let error as PatrolError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await form(req, campaign, unit, draft, error)
        }
    }

    func retire(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        try await roster(req).retire(try await req.unit(in: campaign), from: campaign)
        return req.seeOther(campaign.url(.units).path)
    }

    func reminders(_ req: Request) throws -> DeclarationReminders {
        DeclarationReminders(db: req.db, actor: try req.requireActor(), audit: req.auditContext)
    }

    /// Back to the units still to declare, the outcome in the query (`reminded=N`).
    func remind(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let outcome = try await reminders(req).send(for: campaign)
        return req.seeOther(campaign.url(.units).path(query: [("declaration", DeclarationStatus.none.rawValue),
                                                               ("reminded", "\(outcome.queued)")]))
    }

    struct RemindAnswer: Content { var units, queued, withoutLiaison: Int }

    func apiRemind(req: Request) async throws -> RemindAnswer {
        let outcome = try await reminders(req).send(for: try await req.campaign())
        return RemindAnswer(units: outcome.units, queued: outcome.queued, withoutLiaison: outcome.withoutLiaison)
    }

    func apiCreate(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let unit = try await roster(req).add(try req.content.decode(UnitDraft.self), to: campaign)
        let response = Response(status: .created)
        try response.content.encode(try await UnitController().dto(req, unit, assets: 0))
        return response
    }

    /// A PATCH leaves out what does not change: the unit's own values fill the draft.
    func apiUpdate(req: Request) async throws -> UnitDTO {
        let campaign = try await req.campaign()
        let unit = try await req.unit(in: campaign)
        var draft = try req.content.decode(UnitDraft.self)
        draft.name = draft.name ?? unit.name
        draft.category = draft.category ?? unit.category
        draft.group = draft.group ?? unit.group.rawValue
        if draft.parent == nil { draft.parent = try await unit.$parent.get(on: req.db)?.code }
        draft.note = draft.note ?? unit.note
        try await roster(req).update(unit, with: draft)
        let assets = try await UnitController().assetCounts(req, campaign, units: [unit.requireID()])[unit.requireID()] ?? 0
        return try await UnitController().dto(req, unit, assets: assets)
    }

    func apiRetire(req: Request) async throws -> HTTPStatus {
        let campaign = try await req.campaign()
        try await roster(req).retire(try await req.unit(in: campaign), from: campaign)
        return .noContent
    }
}
