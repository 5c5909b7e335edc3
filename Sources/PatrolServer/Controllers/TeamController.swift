import Fluent
import PatrolStore
import Vapor

/// The testing teams of a campaign (their control arrives with the gateway).
struct TeamController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.grouped("api", "v1", "campaigns", ":campaign")
            .endpoint(.GET, "teams", access: .policy(.listTeams), use: apiList)
    }

    func apiList(req: Request) async throws -> [TeamDTO] {
        let campaign = try await req.campaign()
        return try await CampaignTeam.query(on: req.db).filter(\.$campaign.$id == campaign.requireID()).with(\.$team).all()
            .sorted { $0.team.code < $1.team.code }
            .map { TeamDTO(code: $0.team.code, name: $0.team.name, company: $0.team.company, state: $0.state.rawValue,
                           interception: $0.interception) }
    }
}
