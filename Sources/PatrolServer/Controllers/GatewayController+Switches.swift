import Foundation
import PatrolCore
import PatrolStore
import Vapor

/// The organiser's switches (a team's suspension and interception, interception for everyone) and
/// a tester's token, over the API; each is `GatewayControl`'s, applied here at once.
extension GatewayController {
    /// Applies a stored change in this process's gateway now (its open connections are checked again).
    static func apply(_ req: Request) async {
        do { try await req.application.gateway?.refresh() } catch {
            req.logger.error("gateway refresh after a change: \(databaseErrorText(error))")
        }
    }

    /// The campaign's link to the team the path names; not found when the team is not in it.
    static func link(_ req: Request, _ campaign: Campaign) async throws -> CampaignTeam {
        guard let code = req.parameters.get("team") else { throw PatrolError.notFound }
        do { return try await GatewayControl.link(campaign, team: code, on: req.db) } catch is GatewayControl.Problem {
            throw PatrolError.notFound
        }
    }

    static func teamDTO(_ link: CampaignTeam) -> TeamDTO {
        TeamDTO(code: link.team.code, name: link.team.name, company: link.team.company, state: link.state.rawValue,
                interception: link.interception)
    }

    static func setState(_ req: Request, _ state: TeamState) async throws -> TeamDTO {
        let campaign = try await req.campaign()
        let link = try await Self.link(req, campaign)
        try await GatewayControl.setState(state, campaign: campaign, team: link.team.code, context: req.auditContext, on: req.db)
        await apply(req)
        return teamDTO(try await Self.link(req, campaign))
    }

    func apiSuspend(req: Request) async throws -> TeamDTO { try await Self.setState(req, .suspended) }
    func apiResume(req: Request) async throws -> TeamDTO { try await Self.setState(req, .active) }

    struct GatewayPatch: Content { var interceptAll: Bool? }
    struct GatewayState: Content { var campaign: String; var interceptAll: Bool }

    func apiInterceptAll(req: Request) async throws -> GatewayState {
        let campaign = try await req.campaign()
        let patch = try req.content.decode(GatewayPatch.self)
        guard let on = patch.interceptAll else { throw PatrolError.invalid("error.gateway.interceptionRequired") }
        try await GatewayControl.setInterceptAll(on, campaign: campaign, context: req.auditContext, on: req.db)
        await Self.apply(req)
        return GatewayState(campaign: campaign.code, interceptAll: try await GatewayControl.interceptAll(campaign: campaign, on: req.db))
    }

    struct TokenResponse: Content { var username: String; var token: String; var proxy: String }

    func apiToken(req: Request) async throws -> TokenResponse {
        let actor = try req.requireActor()
        let token = try await GatewayControl.rotateToken(username: actor.username, context: req.auditContext, on: req.db)
        await Self.apply(req)
        return TokenResponse(username: actor.username, token: token, proxy: Self.publicAddress(req))
    }

    /// Where testers point their tools: `PATROL_GATEWAY_PUBLIC` (host:port as testers reach it),
    /// otherwise the address `patrol serve` gave its own gateway.
    static func publicAddress(_ req: Request) -> String {
        if let configured = Environment.get("PATROL_GATEWAY_PUBLIC")?.trimmingCharacters(in: .whitespaces), !configured.isEmpty {
            return configured
        }
        return req.application.gatewayAddress ?? "127.0.0.1:8888"
    }
}
