import Foundation
import PatrolCore
import PatrolStore

/// The gateway's compiled, immutable picture of the database at one refresh: scopes compiled once
/// per asset change, teams by campaign, testers by name. Event loops read it without locking beyond
/// fetching the current reference.
public final class GatewayView: Sendable {
    public struct CampaignScope: Sendable {
        public var entry: GatewayDirectory.CampaignEntry
        public var scope: Scope
        /// Assets the scope could not enforce (free text), for the admin's attention.
        public var skipped: [String]
    }

    public struct TeamKey: Hashable, Sendable {
        public var campaignID: UUID
        public var teamID: UUID
    }

    public let campaigns: [UUID: CampaignScope]
    public let teams: [TeamKey: GatewayDirectory.TeamEntry]
    /// Campaign ids per team, in campaign code order, so a team in two running campaigns is decided stably.
    public let campaignsOfTeam: [UUID: [UUID]]
    /// Per team, the campaigns it is in that are not running, to file its refusals under.
    let otherCampaignsOfTeam: [UUID: [GatewayDirectory.CampaignEntry]]
    public let testers: [String: GatewayDirectory.Tester]
    public let settings: GatewaySettings

    public init(directory: GatewayDirectory, settings: GatewaySettings, previous: GatewayView?) {
        var campaigns: [UUID: CampaignScope] = [:]
        for entry in directory.campaigns {
            if let old = previous?.campaigns[entry.id], old.entry.assetsFingerprint == entry.assetsFingerprint {
                campaigns[entry.id] = CampaignScope(entry: entry, scope: old.scope, skipped: old.skipped)
            } else {
                let compiled = Scope.compile(entry.assets)
                campaigns[entry.id] = CampaignScope(entry: entry, scope: compiled.scope,
                                                    skipped: compiled.skipped.map { "\($0.asset): \($0.reason)" })
            }
        }
        var teams: [TeamKey: GatewayDirectory.TeamEntry] = [:]
        var byTeam: [UUID: [UUID]] = [:]
        let others = Dictionary(directory.otherCampaigns.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var othersByTeam: [UUID: [GatewayDirectory.CampaignEntry]] = [:]
        for t in directory.teams {
            if campaigns[t.campaignID] != nil {
                teams[TeamKey(campaignID: t.campaignID, teamID: t.teamID)] = t
                byTeam[t.teamID, default: []].append(t.campaignID)
            } else if let other = others[t.campaignID] {
                othersByTeam[t.teamID, default: []].append(other)
            }
        }
        self.otherCampaignsOfTeam = othersByTeam
        self.campaignsOfTeam = byTeam.mapValues { ids in ids.sorted { campaigns[$0]!.entry.code < campaigns[$1]!.entry.code } }
        self.campaigns = campaigns
        self.teams = teams
        self.testers = directory.testers
        self.settings = settings
    }

    /// The tester whose username and token these are; nil for an unknown name, a wrong token or a
    /// disabled account. The comparison does not stop at the first differing byte.
    public func authenticate(username: String, token: String) -> GatewayDirectory.Tester? {
        guard let tester = testers[username] else { return nil }
        let given = Array(GatewayToken.hash(token).utf8), stored = Array(tester.tokenHash.utf8)
        guard given.count == stored.count else { return nil }
        var diff: UInt8 = 0
        for i in given.indices { diff |= given[i] ^ stored[i] }
        return diff == 0 ? tester : nil
    }

    /// Where a record the handler filed under no campaign goes. One that names no team — no or
    /// unreadable credentials, a user name no tester has — goes to the campaign open at the time when
    /// there is exactly one, so the organiser sees attempts on the gateway in that campaign's records;
    /// with none or several open it stays unfiled (the database keeps it, no campaign page lists it).
    /// One that names a team stays unfiled: that team is in no campaign, and another campaign's
    /// records would show a team that is not among its own.
    public func fallbackCampaign(for row: GatewayRecordRow) -> UUID? {
        row.teamID == nil ? soleOpenCampaign(at: row.startedAt) : nil
    }

    /// The campaign open at `now` when exactly one is (see `fallbackCampaign(for:)`).
    public func soleOpenCampaign(at now: Date) -> UUID? {
        var sole: UUID?
        for campaign in campaigns.values where campaign.entry.isOpen(at: now) {
            if sole != nil { return nil }
            sole = campaign.entry.id
        }
        return sole
    }

    /// The campaign a refused attempt by a tester of this team is filed under: the team's first
    /// running campaign (by code), as for its other requests; with none running, the campaign of
    /// the team whose window is nearest to `now` (so probing before the start or after the close
    /// shows in that campaign's records); nil for a team in no campaign.
    public func filingCampaign(team: UUID, at now: Date) -> UUID? {
        if let running = campaignsOfTeam[team]?.first { return running }
        return otherCampaignsOfTeam[team]?.min { a, b in
            let (da, db) = (a.distance(from: now), b.distance(from: now))
            return da != db ? da < db : a.code < b.code
        }?.id
    }

    /// The campaigns in which this team may test right now, or why there is none. One pass, one
    /// array: this runs for every request.
    public func openCampaigns(team: UUID, at now: Date) -> Result<[CampaignScope], Refusal> {
        var anyOpen = false
        var active: [CampaignScope] = []
        for id in campaignsOfTeam[team] ?? [] {
            guard let campaign = campaigns[id], campaign.entry.isOpen(at: now) else { continue }
            anyOpen = true
            if teams[TeamKey(campaignID: id, teamID: team)]?.state == .active { active.append(campaign) }
        }
        guard anyOpen else { return .failure(.windowClosed) }
        guard !active.isEmpty else { return .failure(.teamSuspended) }
        return .success(active)
    }

    /// Whether `host` needs resolving for this decision: literals never do, and a name that no rule
    /// of any open campaign could match, by name or by address, is refused without a lookup.
    public static func needsResolution(host: String, port: Int, in campaigns: [CampaignScope]) -> Bool {
        if Scope.isLiteral(host) != nil { return false }
        return campaigns.contains { c in
            c.scope.nameMatch(host: host, port: port) != nil || c.scope.rules.contains { rule in
                switch rule.target {
                case .address, .network: true
                case .host, .domainSuffix: false
                }
            }
        }
    }

    /// Decides a target among the open campaigns: the first campaign whose scope allows it wins.
    public func decide(team: UUID, host: String, port: Int, resolved: [IPAddress], in campaigns: [CampaignScope])
        -> Result<Grant, Refusal> {
        var firstRefusal: Refusal = .notInScope
        for (i, c) in campaigns.enumerated() {
            switch c.scope.decide(host: host, port: port, resolved: resolved) {
            case .allow(let address, let rule):
                let link = teams[TeamKey(campaignID: c.entry.id, teamID: team)]
                return .success(Grant(campaignID: c.entry.id, campaignCode: c.entry.code, address: address,
                                      assetCode: rule.assetCode,
                                      intercept: (link?.interception ?? false) || c.entry.interceptAll))
            case .deny(let refusal):
                if i == 0 {
                    switch refusal {
                    case .notInScope: firstRefusal = .notInScope
                    case .specialAddress: firstRefusal = .specialAddress
                    case .unresolved: firstRefusal = .unresolved
                    }
                }
            }
        }
        return .failure(firstRefusal)
    }
}

/// Permission for one request or tunnel: where to connect (the checked address) and under which campaign.
public struct Grant: Sendable, Equatable {
    public var campaignID: UUID
    public var campaignCode: String
    public var address: IPAddress
    public var assetCode: String
    public var intercept: Bool
}
