import FluentKit
import Foundation
import PatrolCore

/// The organiser's levers on the gateway (SPEC §6), shared by the API, the web pages and the command
/// line: each change and its audit entry land in one transaction, and every gateway node applies it
/// at its next refresh (within a second).
public enum GatewayControl {
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case noSuchTeam(String)
        public var description: String {
            switch self {
            case .noSuchTeam(let t): "检测队 \(t) 不在本次行动中 / team \(t) is not in this campaign"
            }
        }
    }

    public static func link(_ campaign: Campaign, team code: String, on db: any Database) async throws -> CampaignTeam {
        let links = try await CampaignTeam.query(on: db).filter(\.$campaign.$id == campaign.requireID()).with(\.$team).all()
        guard let link = links.first(where: { $0.team.code == code }) else { throw Problem.noSuchTeam(code) }
        return link
    }

    /// Suspends or resumes a team; returns whether anything changed.
    @discardableResult
    public static func setState(_ state: TeamState, campaign: Campaign, team code: String, context: AuditContext,
                                on db: any Database) async throws -> Bool {
        try await db.transaction { tx in
            let link = try await link(campaign, team: code, on: tx)
            guard link.state != state else { return false }
            let before = link.state
            link.state = state
            try await link.save(on: tx)
            try await AuditLog.append(on: tx, context, action: state == .suspended ? "team.suspend" : "team.resume",
                                      objectType: "team", objectID: "\(campaign.code)/\(code)",
                                      details: ["from": before.rawValue, "to": state.rawValue])
            return true
        }
    }

    @discardableResult
    public static func setInterception(_ on: Bool, campaign: Campaign, team code: String, context: AuditContext,
                                       on db: any Database) async throws -> Bool {
        try await db.transaction { tx in
            let link = try await link(campaign, team: code, on: tx)
            guard link.interception != on else { return false }
            link.interception = on
            try await link.save(on: tx)
            try await AuditLog.append(on: tx, context, action: "team.interception", objectType: "team",
                                      objectID: "\(campaign.code)/\(code)", details: ["interception": on ? "on" : "off"])
            return true
        }
    }

    /// Interception for every team of the campaign, whatever each team's own switch says.
    public static func setInterceptAll(_ on: Bool, campaign: Campaign, context: AuditContext, on db: any Database) async throws {
        try await db.transaction { tx in
            try await Setting.store([GatewayDirectory.interceptAllKey(campaign.code): on ? "on" : ""], on: tx)
            try await AuditLog.append(on: tx, context, action: "gateway.interceptAll", objectType: "campaign",
                                      objectID: campaign.code, details: ["interception": on ? "on" : "off"])
        }
    }

    public static func interceptAll(campaign: Campaign, on db: any Database) async throws -> Bool {
        try await Setting.all(prefix: GatewayDirectory.interceptAllKey(campaign.code), on: db)[GatewayDirectory.interceptAllKey(campaign.code)] == "on"
    }

    /// A new gateway token for the tester, audited (never the token itself).
    public static func rotateToken(username: String, context: AuditContext, on db: any Database) async throws -> String {
        try await db.transaction { tx in
            let token = try await GatewayToken.rotate(username: username, on: tx)
            try await AuditLog.append(on: tx, context, action: "gateway.token.rotate", objectType: "user", objectID: username)
            return token
        }
    }
}
