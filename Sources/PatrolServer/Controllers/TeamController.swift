import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// The testing teams of a campaign: the list every role but liaisons reads, and one team's page
/// and API answer for the admin. Changes are `TeamSetupController`'s; the gateway's switches
/// (suspend, resume) are `GatewayController`'s.
struct TeamController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, .api(.campaign(.key, .teams)), access: .policy(.listTeams), use: apiList)
        routes.endpoint(.GET, .campaign(.key, .teams), access: .policy(.listTeams), use: page)
        routes.endpoint(.GET, .campaign(.key, .team(.key, .page)), access: .policy(.manageTeams), use: teamPage)
        routes.endpoint(.GET, .api(.campaign(.key, .team(.key, .page))), access: .policy(.manageTeams), use: apiShow)
    }

    /// The teams page: member accounts for the organiser's staff, finding counts for those who may
    /// see every finding's existence (admins, reviewers, observers), set-up links for admins.
    func page(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let actor = try req.requireActor()
        let links = try await CampaignTeam.query(on: req.db).filter(\.$campaign.$id == campaign.requireID()).with(\.$team).all()
            .sorted { $0.team.code < $1.team.code }
        let showMembers = AccessPolicy.decide(actor, .superviseTeams) == .allow
        let showCounts = AccessPolicy.decide(actor, .viewTeamResults) == .allow
        let manages = AccessPolicy.decide(actor, .manageTeams) == .allow
        var members: [UUID: [TeamListPage.Member]] = [:]
        if showMembers {
            for u in try await Self.members(of: links.compactMap { $0.team.id }, on: req.db) {
                guard let t = u.$team.id else { continue }
                members[t, default: []].append(.init(username: u.username, displayName: u.displayName, disabled: u.disabled))
            }
        }
        var submitted: [UUID: Int] = [:], counted: [UUID: Int] = [:]
        if showCounts {
            for (team, byStatus) in try await Finding.statusCountsByTeam(on: req.db, campaignID: campaign.requireID()) {
                submitted[team] = byStatus.values.reduce(0, +)
                counted[team] = byStatus.filter { $0.key.isCounted }.values.reduce(0, +)
            }
        }
        let rows = links.map { link in
            let id = link.team.id!
            return TeamListPage.Row(code: link.team.code, name: link.team.name, company: link.team.company ?? "",
                                    state: link.state.rawValue, stateName: req.t("team.state.\(link.state.rawValue)"),
                                    interception: link.interception, members: showMembers ? members[id] ?? [] : nil,
                                    submitted: showCounts ? submitted[id] ?? 0 : nil, counted: showCounts ? counted[id] ?? 0 : nil,
                                    href: manages ? campaign.url(.team(.value(link.team.code), .page)).path : nil)
        }
        let left = manages ? (try? req.query.get(String.self, at: "left"))?.nonEmpty : nil
        return try await req.page("teams", title: req.t("teams.title"), campaign: campaign,
                                  content: TeamListPage(rows: rows, showMembers: showMembers, showCounts: showCounts,
                                                        newHref: manages ? campaign.url(.newTeam).path : nil, left: left))
    }

    func apiList(req: Request) async throws -> [TeamDTO] {
        let campaign = try await req.campaign()
        return try await CampaignTeam.query(on: req.db).filter(\.$campaign.$id == campaign.requireID()).with(\.$team).all()
            .sorted { $0.team.code < $1.team.code }
            .map(GatewayController.teamDTO)
    }

    /// The tester accounts of these teams, by username.
    static func members(of teams: [UUID], on db: any Database) async throws -> [User] {
        try await User.query(on: db).filter(\.$role == .tester).filter(\.$team.$id ~~ teams).sort(\.$username).all()
    }

    /// The team named in the path, in the path's campaign; not found when it is not in it.
    static func link(_ req: Request, _ campaign: Campaign) async throws -> CampaignTeam {
        try await GatewayController.link(req, campaign)
    }

    static func detail(_ link: CampaignTeam, on db: any Database) async throws -> TeamDetailDTO {
        TeamDetailDTO(link, members: try await members(of: [link.team.requireID()], on: db))
    }

    /// One team's page; after a refused form, with its message and what was typed.
    static func render(_ req: Request, _ campaign: Campaign, _ link: CampaignTeam, error: PatrolError? = nil,
                       lines: String = "") async throws -> Response {
        let members = try await members(of: [link.team.requireID()], on: req.db)
        let findings = try await Finding.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
            .filter(\.$team.$id == link.$team.id).count()
        let view = try await req.page("team", title: "\(link.team.code) \(link.team.name)", campaign: campaign,
                                      content: TeamPage(req, campaign: campaign, link: link, members: members, findings: findings,
                                                        error: error, lines: lines))
        let response = try await view.encodeResponse(for: req)
        if let error { response.status = error.status }
        return response
    }

    func teamPage(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        return try await Self.render(req, campaign, try await Self.link(req, campaign))
    }

    func apiShow(req: Request) async throws -> TeamDetailDTO {
        let campaign = try await req.campaign()
        return try await Self.detail(try await Self.link(req, campaign), on: req.db)
    }
}
