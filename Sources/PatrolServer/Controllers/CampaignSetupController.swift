import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// The organiser sets up campaigns in the browser and the API: create (or copy an earlier one),
/// edit while a draft, and move through the states after a page that shows what must hold.
struct CampaignSetupController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, .newCampaign, access: .policy(.manageCampaigns), use: newForm)
        routes.endpoint(.POST, .campaigns, access: .policy(.manageCampaigns), use: create)
        routes.endpoint(.GET, .campaign(.key, .edit), access: .policy(.manageCampaigns), use: editForm)
        routes.endpoint(.POST, .campaign(.key, .edit), access: .policy(.manageCampaigns), use: update)
        routes.endpoint(.GET, .campaign(.key, .state), access: .policy(.manageCampaigns), use: confirmState)
        routes.endpoint(.POST, .campaign(.key, .state), access: .policy(.manageCampaigns), use: changeState)

        routes.endpoint(.POST, .api(.campaigns), access: .policy(.manageCampaigns), use: apiCreate)
        routes.endpoint(.PATCH, .api(.campaign(.key, .overview)), access: .policy(.manageCampaigns), use: apiUpdate)
        routes.endpoint(.GET, .api(.campaign(.key, .readiness)), access: .policy(.manageCampaigns), use: apiReadiness)
        routes.endpoint(.POST, .api(.campaign(.key, .state)), access: .policy(.manageCampaigns), use: apiChangeState)
    }

    func setup(_ req: Request) throws -> CampaignSetup {
        CampaignSetup(db: req.db, actor: try req.requireActor(), audit: req.auditContext)
    }

    // MARK: pages

    func form(_ req: Request, _ campaign: Campaign?, _ draft: CampaignDraft?, _ error: PatrolError?) async throws -> Response {
        let sources = campaign == nil ? try await Campaign.query(on: req.db).sort(\.$startsAt, .descending).all() : []
        let view = try await req.page("campaign-form", title: req.t(campaign == nil ? "campaign.new" : "campaign.edit"), campaign: campaign,
                                      content: CampaignFormPage(req, campaign: campaign, draft: draft, error: error, sources: sources))
        let response = try await view.encodeResponse(for: req)
        if let error { response.status = error.status }
        return response
    }

    func newForm(req: Request) async throws -> Response {
        var draft = CampaignDraft()
        draft.copyFrom = try? req.query.get(String.self, at: "copyFrom")
        return try await form(req, nil, draft.copyFrom == nil ? nil : draft, nil)
    }

    func create(req: Request) async throws -> Response {
        let draft = try req.content.decode(CampaignDraft.self)
        do {
            let campaign = try await setup(req).create(draft)
            return req.seeOther(campaign.url(.overview).path)
        } catch let error as PatrolError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await form(req, nil, draft, error)
        }
    }

    func editForm(req: Request) async throws -> Response {
        try await form(req, try await req.campaign(), nil, nil)
    }

    func update(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let draft = try req.content.decode(CampaignDraft.self)
        do {
            try await setup(req).update(campaign, with: draft)
            return req.seeOther(campaign.url(.overview).path)
        } catch let error as PatrolError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await form(req, campaign, draft, error)
        }
    }

    struct StateForm: Content {
        var state: String
        var reason: String?
    }

    func target(_ text: String?) throws -> CampaignState {
        guard let state = text.flatMap(CampaignState.init(rawValue:)) else {
            throw PatrolError.invalid("error.campaign.state", ["state": text ?? ""])
        }
        return state
    }

    func confirmState(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let state = try target(try? req.query.get(String.self, at: "to"))
        let checks = try await setup(req).checks(campaign, to: state)
        return try await req.page("campaign-state", title: req.t("campaign.moveTo") + " " + req.t("campaign.state.\(state.rawValue)"),
                                  campaign: campaign, content: CampaignStatePage(req, campaign: campaign, to: state, checks: checks, error: nil))
    }

    func changeState(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let form = try req.content.decode(StateForm.self)
        let state = try target(form.state)
        do {
            try await setup(req).changeState(campaign, to: state, reason: form.reason)
            return req.seeOther(campaign.url(.overview).path)
        } catch let error as PatrolError where error.key == "error.campaign.notReady" {
            let checks = try await setup(req).checks(campaign, to: state)
            let view = try await req.page("campaign-state", title: req.t("campaign.moveTo"), campaign: campaign,
                                          content: CampaignStatePage(req, campaign: campaign, to: state, checks: checks, error: error))
            let response = try await view.encodeResponse(for: req)
            response.status = .conflict
            return response
        }
    }

    // MARK: API

    func apiCreate(req: Request) async throws -> Response {
        let campaign = try await setup(req).create(try req.content.decode(CampaignDraft.self))
        let response = Response(status: .created)
        try response.content.encode(CampaignDTO(campaign))
        return response
    }

    func apiUpdate(req: Request) async throws -> CampaignDTO {
        let campaign = try await req.campaign()
        var draft = try req.content.decode(CampaignDraft.self)
        // A PATCH leaves out what does not change: fill it in from the campaign.
        let office = campaign.office
        draft.name = draft.name ?? campaign.name
        draft.timeZone = draft.timeZone ?? campaign.timeZone
        draft.startsAt = draft.startsAt ?? BundleDate.format(campaign.startsAt, in: campaign.zone)
        draft.endsAt = draft.endsAt ?? BundleDate.format(campaign.endsAt, in: campaign.zone)
        draft.scoredAt = draft.scoredAt ?? campaign.scoredAt.map { BundleDate.format($0, in: campaign.zone) }
        draft.officeName = draft.officeName ?? office.name
        draft.contactName = draft.contactName ?? office.contactName
        draft.contactPhone = draft.contactPhone ?? office.contactPhone
        draft.noticeHeader = draft.noticeHeader ?? office.noticeHeader
        draft.noticePrefix = draft.noticePrefix ?? office.noticePrefix
        try await setup(req).update(campaign, with: draft)
        return CampaignDTO(campaign)
    }

    struct ReadinessAnswer: Content {
        struct Item: Content { var code, weight, message: String; var count: Int }
        var from, to: String
        var ready: Bool
        var needsReason: Bool
        var checks: [Item]
    }

    func apiReadiness(req: Request) async throws -> ReadinessAnswer {
        let campaign = try await req.campaign()
        let state = try target(try? req.query.get(String.self, at: "to"))
        let checks = try await setup(req).checks(campaign, to: state)
        return ReadinessAnswer(from: campaign.state.rawValue, to: state.rawValue,
                               ready: CampaignReadiness.permits(checks, reason: nil),
                               needsReason: checks.contains { $0.weight == .needsReason },
                               checks: checks.map { .init(code: $0.code, weight: $0.weight.rawValue,
                                                          message: req.t("campaign.check.\($0.code)", ["n": "\($0.count)"]), count: $0.count) })
    }

    func apiChangeState(req: Request) async throws -> CampaignDTO {
        let campaign = try await req.campaign()
        let form = try req.content.decode(StateForm.self)
        try await setup(req).changeState(campaign, to: try target(form.state), reason: form.reason)
        return CampaignDTO(campaign)
    }
}
