import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// The organiser sets up a campaign's testing teams in the browser and the API (issue 19, item 3):
/// add a team (or join a known one), edit it, give it members as tester accounts, take it out of
/// the campaign. The rules are `TeamRoster`'s; the gateway hears of a change at once.
struct TeamSetupController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, .campaign(.key, .newTeam), access: .policy(.manageTeams), use: newForm)
        routes.endpoint(.POST, .campaign(.key, .teams), access: .policy(.manageTeams), use: create)
        routes.endpoint(.GET, .campaign(.key, .team(.key, .edit)), access: .policy(.manageTeams), use: editForm)
        routes.endpoint(.POST, .campaign(.key, .team(.key, .edit)), access: .policy(.manageTeams), use: update)
        routes.endpoint(.POST, .campaign(.key, .team(.key, .members)), access: .policy(.manageTeams), use: addMembers)
        routes.endpoint(.POST, .campaign(.key, .team(.key, .leave)), access: .policy(.manageTeams), use: leave)

        routes.endpoint(.POST, .api(.campaign(.key, .teams)), access: .policy(.manageTeams), use: apiCreate)
        routes.endpoint(.PATCH, .api(.campaign(.key, .team(.key, .page))), access: .policy(.manageTeams), use: apiUpdate)
        routes.endpoint(.DELETE, .api(.campaign(.key, .team(.key, .page))), access: .policy(.manageTeams), use: apiLeave)
        routes.endpoint(.POST, .api(.campaign(.key, .team(.key, .members))), access: .policy(.manageTeams), use: apiAddMembers)
    }

    func roster(_ req: Request) throws -> TeamRoster {
        TeamRoster(db: req.db, actor: try req.requireActor(), audit: req.auditContext, application: req.application)
    }

    static func isFormError(_ error: PatrolError) -> Bool { [.unprocessableEntity, .conflict].contains(error.status) }

    // MARK: pages

    func form(_ req: Request, _ campaign: Campaign, _ team: Team?, _ draft: TeamDraft?, _ error: PatrolError?) async throws -> Response {
        var known: [Team] = []
        if team == nil {
            let joined = Set(try await CampaignTeam.query(on: req.db).filter(\.$campaign.$id == campaign.requireID()).all(\.$team.$id))
            known = try await Team.query(on: req.db).sort(\.$code).all().filter { !joined.contains($0.id!) }
        }
        let view = try await req.page("team-form", title: req.t(team == nil ? "team.new" : "team.edit"), campaign: campaign,
                                      content: TeamFormPage(req, campaign: campaign, team: team, draft: draft, error: error, known: known))
        let response = try await view.encodeResponse(for: req)
        if let error { response.status = error.status }
        return response
    }

    func newForm(req: Request) async throws -> Response {
        try await form(req, try await req.campaign(), nil, nil, nil)
    }

    func create(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let draft = try req.content.decode(TeamDraft.self)
        do {
            let (link, _) = try await roster(req).add(draft, to: campaign)
            await GatewayController.apply(req)
            return req.seeOther(campaign.url(.team(.value(link.team.code), .page)).path)
        } catch let error as PatrolError where Self.isFormError(error) {
            return try await form(req, campaign, nil, draft, error)
        }
    }

    func editForm(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        return try await form(req, campaign, try await TeamController.link(req, campaign).team, nil, nil)
    }

    func update(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let team = try await TeamController.link(req, campaign).team
        var draft = try req.content.decode(TeamDraft.self)
        draft.code = nil
        do {
            try await roster(req).update(team, with: draft)
            return req.seeOther(campaign.url(.team(.value(team.code), .page)).path)
        } catch let error as PatrolError where Self.isFormError(error) {
            return try await form(req, campaign, team, draft, error)
        }
    }

    /// The accounts made, with their initial passwords, on this answer only (never a redirect to
    /// a page that could show them again); the browser keeps no copy (`no-store`).
    func addMembers(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let link = try await TeamController.link(req, campaign)
        var draft = try req.content.decode(TeamMembersDraft.self)
        draft.members = nil
        do {
            let made = try await roster(req).addMembers(draft, to: link.team, campaign: campaign)
            let sheet = TeamMembersSheet(code: link.team.code, name: link.team.name, campaignName: campaign.name,
                                         rows: made.map { .init(username: $0.user.username, displayName: $0.user.displayName, password: $0.password) },
                                         backHref: campaign.url(.team(.value(link.team.code), .page)).path, loginPath: SiteURL.login.path)
            let view = try await req.page("team-members", title: req.t("team.members.sheet") + " " + link.team.code,
                                          campaign: campaign, content: sheet)
            let response = try await view.encodeResponse(for: req)
            response.status = .created
            return response
        } catch let error as PatrolError where Self.isFormError(error) {
            return try await TeamController.render(req, campaign, link, error: error, lines: draft.lines ?? "")
        }
    }

    func leave(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let link = try await TeamController.link(req, campaign)
        do {
            try await roster(req).leave(link, campaign: campaign)
            await GatewayController.apply(req)
            return req.seeOther(campaign.url(.teams).path(query: [("left", link.team.code)]))
        } catch let error as PatrolError where Self.isFormError(error) {
            return try await TeamController.render(req, campaign, link, error: error)
        }
    }

    // MARK: API

    func apiCreate(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let (link, _) = try await roster(req).add(try req.content.decode(TeamDraft.self), to: campaign)
        await GatewayController.apply(req)
        let response = Response(status: .created)
        try response.content.encode(try await TeamController.detail(link, on: req.db))
        return response
    }

    /// The gateway's switch that a PATCH may carry beside the team's details.
    struct Switches: Content { var interception: Bool? }

    /// Fields left out stay; `interception` switches HTTPS interception for the team.
    func apiUpdate(req: Request) async throws -> TeamDetailDTO {
        let campaign = try await req.campaign()
        let link = try await TeamController.link(req, campaign)
        var draft = try req.content.decode(TeamDraft.self)
        draft.code = nil
        let switches = try req.content.decode(Switches.self)
        try await roster(req).update(link.team, with: draft)
        if let on = switches.interception {
            try await GatewayControl.setInterception(on, campaign: campaign, team: link.team.code, context: req.auditContext, on: req.db)
            await GatewayController.apply(req)
        }
        return try await TeamController.detail(try await TeamController.link(req, campaign), on: req.db)
    }

    func apiLeave(req: Request) async throws -> HTTPStatus {
        let campaign = try await req.campaign()
        try await roster(req).leave(try await TeamController.link(req, campaign), campaign: campaign)
        await GatewayController.apply(req)
        return .noContent
    }

    func apiAddMembers(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let link = try await TeamController.link(req, campaign)
        let made = try await roster(req).addMembers(try req.content.decode(TeamMembersDraft.self), to: link.team, campaign: campaign)
        let response = Response(status: .created)
        try response.content.encode(TeamMembersCreatedDTO(
            team: link.team.code,
            members: made.map { .init(username: $0.user.username, displayName: $0.user.displayName, password: $0.password) }))
        return response
    }
}
