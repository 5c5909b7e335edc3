import FluentKit
import Foundation
import PatrolCore
import SQLKit

/// What the gateway needs to decide a request, read from the database in one go (SPEC §6): the
/// running campaigns with their assets, the teams' standing there, and the testers' token hashes.
/// The gateway reloads it every half second, so every node sharing a database follows the admin's
/// changes within a second.
public struct GatewayDirectory: Sendable {
    public struct CampaignEntry: Sendable {
        public var id: UUID
        public var code: String
        public var state: CampaignState
        public var startsAt: Date
        public var endsAt: Date
        /// TLS interception for every team of the campaign.
        public var interceptAll: Bool
        public var assets: [ScopeAsset]
        /// Changes whenever an asset changes, so the scope is compiled only then.
        public var assetsFingerprint: String

        public init(id: UUID, code: String, state: CampaignState, startsAt: Date, endsAt: Date, interceptAll: Bool,
                    assets: [ScopeAsset], assetsFingerprint: String) {
            self.id = id
            self.code = code
            self.state = state
            self.startsAt = startsAt
            self.endsAt = endsAt
            self.interceptAll = interceptAll
            self.assets = assets
            self.assetsFingerprint = assetsFingerprint
        }

        public func isOpen(at now: Date) -> Bool { TestingWindow(state: state, startsAt: startsAt, endsAt: endsAt).isOpen(at: now) }

        /// How far `now` is from the campaign's window; zero inside it.
        public func distance(from now: Date) -> TimeInterval {
            if now < startsAt { return startsAt.timeIntervalSince(now) }
            if now >= endsAt { return now.timeIntervalSince(endsAt) }
            return 0
        }
    }

    public struct TeamEntry: Sendable {
        public var campaignID: UUID
        public var teamID: UUID
        public var teamCode: String
        public var state: TeamState
        public var interception: Bool

        public init(campaignID: UUID, teamID: UUID, teamCode: String, state: TeamState, interception: Bool) {
            self.campaignID = campaignID
            self.teamID = teamID
            self.teamCode = teamCode
            self.state = state
            self.interception = interception
        }
    }

    public struct Tester: Sendable {
        public var userID: UUID
        public var username: String
        public var teamID: UUID
        public var tokenHash: String

        public init(userID: UUID, username: String, teamID: UUID, tokenHash: String) {
            self.userID = userID
            self.username = username
            self.teamID = teamID
            self.tokenHash = tokenHash
        }
    }

    /// The running campaigns, with their assets.
    public var campaigns: [CampaignEntry]
    /// The campaigns that are not running (draft, closed, published), without assets: nobody tests
    /// there, but a refused attempt by one of their teams' testers is filed under them, so the
    /// organiser sees who tried before the start or after the close.
    public var otherCampaigns: [CampaignEntry]
    /// Every team's place in every campaign, running or not.
    public var teams: [TeamEntry]
    /// Enabled testers holding a token, by username.
    public var testers: [String: Tester]
    /// Stored gateway settings (`PATROL_GATEWAY_*`), overriding the environment's.
    public var settings: [String: String]
    /// The database's scope counter when this was read (`AddScopeVersion`): while it stays the same,
    /// the next read keeps these campaigns' assets, for at most `assetsKeptFor` after they were read.
    public var scopeStamp: ScopeStamp?
    /// When the oldest assets here were read from the database.
    public var assetsReadAt = Date()

    public typealias ScopeStamp = CounterStamp

    /// However quiet the counter, assets are read again this often: a backstop for what no trigger
    /// sees (a database restored under running nodes, triggers disabled for a bulk load).
    public static let assetsKeptFor: TimeInterval = 60

    public init(campaigns: [CampaignEntry], otherCampaigns: [CampaignEntry] = [], teams: [TeamEntry], testers: [String: Tester],
                settings: [String: String]) {
        self.campaigns = campaigns
        self.otherCampaigns = otherCampaigns
        self.teams = teams
        self.testers = testers
        self.settings = settings
    }

    /// The setting key holding a campaign's campaign-wide interception switch.
    public static func interceptAllKey(_ campaignCode: String) -> String { "PATROL_GATEWAY_INTERCEPT_ALL_\(campaignCode)" }

    /// The campaigns' approved assets (`AssetReview.isInScope`) as the scope engine takes them, sorted by code (the gateway's view and
    /// a replay's check compile the same thing).
    ///
    /// One join in SQL, decoded column by column: every gateway node runs this twice a second, and
    /// Fluent's model decoding (a reflection walk over each model's properties per row) cost ~27 µs
    /// per asset, ~6 % of a core for an idle gateway with the demo campaign's 292 assets.
    public static func scopeAssets(campaigns ids: [UUID], on db: any Database) async throws -> [UUID: [ScopeAsset]] {
        guard !ids.isEmpty else { return [:] }
        guard let sql = db as? any SQLDatabase else { throw UnsupportedDatabase() }
        let rows = try await sql.raw("""
            SELECT a.campaign_id, a.code, a.kind, a.target, a.ports, a.internal_network, u.code AS unit_code
            FROM \(ident: Asset.schema) a JOIN \(ident: Unit.schema) u ON u.id = a.unit_id
            WHERE a.campaign_id IN (\(binds: ids)) AND a.review = \(bind: AssetReview.approved.rawValue)
            ORDER BY a.code
            """).all()
        var byCampaign: [UUID: [ScopeAsset]] = [:]
        for row in rows {
            let kindText = try row.decode(column: "kind", as: String.self)
            guard let kind = AssetKind(rawValue: kindText) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "asset kind \(kindText)"))
            }
            byCampaign[try row.decode(column: "campaign_id", as: UUID.self), default: []].append(
                ScopeAsset(code: try row.decode(column: "code", as: String.self), unit: try row.decode(column: "unit_code", as: String.self),
                           kind: kind, target: try row.decode(column: "target", as: String.self),
                           ports: try row.decode(column: "ports", as: String?.self),
                           internalNetwork: try row.decode(column: "internal_network", as: Bool.self)))
        }
        return byCampaign
    }

    /// The gateway reads its directory through SQL (SQLite or PostgreSQL).
    public struct UnsupportedDatabase: Error, CustomStringConvertible {
        public var description: String { "the gateway needs an SQL database (SQLite or PostgreSQL)" }
    }

    /// Campaigns in a state where testing may happen (running) with their scopes and teams; of the
    /// others (draft, closed, published: they refuse everything and need no scope) only which teams
    /// they have, to file refusals under.
    ///
    /// With `previous` read at the same scope counter, less than `assetsKeptFor` ago, the assets of
    /// campaigns it already had are taken from it rather than read again.
    public static func load(on db: any Database, previous: GatewayDirectory? = nil, now: Date = Date()) async throws -> GatewayDirectory {
        guard let sql = db as? any SQLDatabase else { throw UnsupportedDatabase() }
        // Read before the assets: a change made in between then shows as a new counter next time.
        let stamp = try await AddScopeVersion.current(on: sql)
        let settings = try await Setting.all(prefix: "PATROL_GATEWAY_", on: db)
        // Only what the gateway uses: a published campaign's stored scores are large, and this runs
        // every half second on every node.
        let all = try await Campaign.query(on: db).field(\.$id).field(\.$code).field(\.$state).field(\.$startsAt)
            .field(\.$endsAt).all()
        let running = all.filter { $0.state == .running }
        let ids = running.compactMap(\.id)
        var known: [UUID: CampaignEntry] = [:]
        var assetsReadAt = now
        if let previous, let stamp, previous.scopeStamp == stamp, now.timeIntervalSince(previous.assetsReadAt) < assetsKeptFor {
            for entry in previous.campaigns { known[entry.id] = entry }
            assetsReadAt = previous.assetsReadAt
        }
        let assetsByCampaign = try await scopeAssets(campaigns: ids.filter { known[$0] == nil }, on: db)
        var fingerprints: [UUID: Hasher] = [:]
        for (cid, assets) in assetsByCampaign {
            for a in assets {
                fingerprints[cid, default: Hasher()].combine("\(a.code)|\(a.unit)|\(a.kind.rawValue)|\(a.target)|\(a.ports ?? "")|\(a.internalNetwork)")
            }
        }
        let campaigns = running.compactMap { c -> CampaignEntry? in
            guard let id = c.id else { return nil }
            let assets = known[id].map { ($0.assets, $0.assetsFingerprint) }
                ?? (assetsByCampaign[id] ?? [], "\(fingerprints[id]?.finalize() ?? 0)")
            return CampaignEntry(id: id, code: c.code, state: c.state, startsAt: c.startsAt, endsAt: c.endsAt,
                                 interceptAll: settings[interceptAllKey(c.code)] == "on",
                                 assets: assets.0, assetsFingerprint: assets.1)
        }
        let otherCampaigns = all.filter { $0.state != .running }.compactMap { c -> CampaignEntry? in
            guard let id = c.id else { return nil }
            return CampaignEntry(id: id, code: c.code, state: c.state, startsAt: c.startsAt, endsAt: c.endsAt, interceptAll: false,
                                 assets: [], assetsFingerprint: "")
        }
        // Every link in one join, decoded column by column (as the assets, and for the same reason).
        var teams: [TeamEntry] = []
        for row in try await sql.raw("""
            SELECT ct.campaign_id, ct.team_id, ct.state, ct.interception, t.code
            FROM \(ident: CampaignTeam.schema) ct JOIN \(ident: Team.schema) t ON t.id = ct.team_id
            """).all() {
            let stateText = try row.decode(column: "state", as: String.self)
            guard let state = TeamState(rawValue: stateText) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "team state \(stateText)"))
            }
            teams.append(TeamEntry(campaignID: try row.decode(column: "campaign_id", as: UUID.self),
                                   teamID: try row.decode(column: "team_id", as: UUID.self),
                                   teamCode: try row.decode(column: "code", as: String.self), state: state,
                                   interception: try row.decode(column: "interception", as: Bool.self)))
        }
        var testers: [String: Tester] = [:]
        let users = try await User.query(on: db).filter(\.$role == .tester).filter(\.$disabled == false)
            .filter(\.$gatewayTokenHash != nil).all()
        for u in users {
            guard let id = u.id, let team = u.$team.id, let hash = u.gatewayTokenHash else { continue }
            testers[u.username] = Tester(userID: id, username: u.username, teamID: team, tokenHash: hash)
        }
        var directory = GatewayDirectory(campaigns: campaigns, otherCampaigns: otherCampaigns, teams: teams, testers: testers,
                                         settings: settings)
        directory.scopeStamp = stamp
        directory.assetsReadAt = assetsReadAt
        return directory
    }
}
