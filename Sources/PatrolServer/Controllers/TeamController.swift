import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// The testing teams of a campaign (their control arrives with the gateway).
struct TeamController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, .api(.campaign(.key, .teams)), access: .policy(.listTeams), use: apiList)
        routes.endpoint(.GET, .campaign(.key, .teams), access: .policy(.listTeams), use: page)
    }

    struct TeamsView: Encodable {
        struct Member: Encodable { var username, displayName: String; var disabled: Bool }
        struct Row: Encodable {
            var code, name, company, state, stateName: String
            var interception: Bool
            var members: [Member]?
            var submitted, counted: Int?
        }
        var rows: [Row]
        var showMembers: Bool
        var showCounts: Bool
    }

    /// The teams page: every role but liaisons; member accounts for the organiser's staff, finding
    /// counts for those who may see every finding's existence (admins, reviewers, observers).
    func page(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let actor = try req.requireActor()
        let links = try await CampaignTeam.query(on: req.db).filter(\.$campaign.$id == campaign.requireID()).with(\.$team).all()
            .sorted { $0.team.code < $1.team.code }
        let showMembers = AccessPolicy.decide(actor, .superviseTeams) == .allow
        let showCounts = AccessPolicy.decide(actor, .viewTeamResults) == .allow
        var members: [UUID: [TeamsView.Member]] = [:]
        if showMembers {
            let testers = try await User.query(on: req.db).filter(\.$role == .tester)
                .filter(\.$team.$id ~~ links.compactMap { $0.team.id }).sort(\.$username).all()
            for u in testers {
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
            return TeamsView.Row(code: link.team.code, name: link.team.name, company: link.team.company ?? "",
                                 state: link.state.rawValue, stateName: req.t("team.state.\(link.state.rawValue)"),
                                 interception: link.interception, members: showMembers ? members[id] ?? [] : nil,
                                 submitted: showCounts ? submitted[id] ?? 0 : nil, counted: showCounts ? counted[id] ?? 0 : nil)
        }
        return try await req.page("teams", title: req.t("teams.title"), campaign: campaign,
                                  content: TeamsView(rows: rows, showMembers: showMembers, showCounts: showCounts))
    }

    func apiList(req: Request) async throws -> [TeamDTO] {
        let campaign = try await req.campaign()
        return try await CampaignTeam.query(on: req.db).filter(\.$campaign.$id == campaign.requireID()).with(\.$team).all()
            .sorted { $0.team.code < $1.team.code }
            .map { TeamDTO(code: $0.team.code, name: $0.team.name, company: $0.team.company, state: $0.state.rawValue,
                           interception: $0.interception) }
    }
}
