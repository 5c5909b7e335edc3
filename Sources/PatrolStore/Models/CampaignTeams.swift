import FluentKit
import Foundation

/// The teams of a campaign by id and by code: records store a team's id, readers name it by code.
public struct CampaignTeams: Sendable {
    public var codes: [UUID: String] = [:]
    public var ids: [String: UUID] = [:]

    public init(_ campaign: Campaign, _ db: any Database) async throws {
        self.init(try await CampaignTeam.query(on: db).filter(\.$campaign.$id == campaign.requireID()).with(\.$team).all())
    }

    /// From links already loaded with their teams.
    public init(_ links: [CampaignTeam]) {
        for link in links {
            guard let id = link.team.id else { continue }
            codes[id] = link.team.code
            ids[link.team.code] = id
        }
    }
}
