import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// The campaign list and a campaign's overview (set-up and state changes: `CampaignSetupController`).
struct CampaignController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, .campaigns, access: .signedIn, use: list)
        routes.endpoint(.GET, .campaign(.key, .overview), access: .signedIn, use: overview)

        routes.endpoint(.GET, .api(.campaigns), access: .signedIn, use: apiList)
        routes.endpoint(.GET, .api(.campaign(.key, .overview)), access: .signedIn, use: apiGet)
    }

    struct ListView: Encodable {
        struct Row: Encodable {
            var code, name, href, window, state, stateName: String
            var demo: Bool
            var units: Int
        }
        var rows: [Row]
        /// The new-campaign form, for admins.
        var newHref: String?
    }

    func list(req: Request) async throws -> View {
        let campaigns = try await Campaign.query(on: req.db).sort(\.$startsAt, .descending).all()
        let unitCounts = try await CampaignUnit.countsByCampaign(on: req.db)
        var rows: [ListView.Row] = []
        for c in campaigns {
            let units = unitCounts[try c.requireID()] ?? 0
            rows.append(.init(code: c.code, name: c.name, href: c.url(.overview).path,
                              window: "\(req.timeText(c.startsAt, in: c)) — \(req.timeText(c.endsAt, in: c))",
                              state: c.state.rawValue, stateName: req.t("campaign.state.\(c.state.rawValue)"),
                              demo: c.isDemo, units: units))
        }
        let canManage = req.actor.map { AccessPolicy.decide($0, .manageCampaigns) == .allow } ?? false
        return try await req.page("campaigns", title: req.t("campaigns.title"),
                                  content: ListView(rows: rows, newHref: canManage ? SiteURL.newCampaign.path : nil))
    }

    struct OverviewView: Encodable {
        struct Stat: Encodable { var label: String; var value: Int; var state: String }
        struct TeamRow: Encodable { var code, name, company, state, stateName: String }
        var name, code, timeZone, startsAt, endsAt, scoredAt, state: String
        var unitsHref, assetsHref, stateAction: String
        var units: Int
        var assets: Int
        var findingsTitle: String
        var findings: [Stat]
        var teams: [TeamRow]
        var showTeams: Bool
        var canManage: Bool
        /// The state changes the admin may make, each leading to its confirmation page.
        var nextStates: [StateLink]
        /// The edit form, while the campaign is a draft.
        var editHref: String?
        var office: CampaignOffice
    }
    struct StateLink: Encodable { var label, state, href: String }

    func overview(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let id = try campaign.requireID()
        let actor = try req.requireActor()
        let scope = AccessPolicy.findingCountScope(for: actor)
        let assetQuery = Asset.query(on: req.db).filter(\.$campaign.$id == id)
        var unitCount = try await CampaignUnit.query(on: req.db).filter(\.$campaign.$id == id).count()
        // A unit sees its own assets (and, by its scope, only findings notified to it).
        if case .some(let only) = AccessPolicy.visibleUnit(for: actor) {
            assetQuery.filter(\.$unit.$id == (only ?? UUID()))
            unitCount = 1
        }
        let title: String
        switch scope {
        case .notifiedOfUnit: title = req.t("overview.findings.unit")
        case .team: title = req.t("overview.findings.team")
        case .all, .none: title = req.t("overview.findings.all")
        }
        let counts = try await Finding.statusCounts(on: req.db, campaignID: id, scope: scope)
        let stats = FindingStatus.allCases.compactMap { s -> OverviewView.Stat? in
            guard let n = counts[s] else { return nil }
            return .init(label: req.t("finding.status.\(s.rawValue)"), value: n, state: s.rawValue)
        }
        var teams: [OverviewView.TeamRow] = []
        let showTeams = AccessPolicy.decide(actor, .listTeams) == .allow
        if showTeams {
            teams = try await CampaignTeam.query(on: req.db).filter(\.$campaign.$id == id).with(\.$team).all()
                .sorted { $0.team.code < $1.team.code }
                .map { .init(code: $0.team.code, name: $0.team.name, company: $0.team.company ?? "",
                             state: $0.state.rawValue, stateName: req.t("team.state.\($0.state.rawValue)")) }
        }
        let canManage = AccessPolicy.decide(actor, .manageCampaigns) == .allow
        // Publishing is the score page's action: it freezes the sheet.
        let next = CampaignState.allCases.filter { $0 != .published && CampaignReadiness.allowed(from: campaign.state, to: $0) }
            .map { StateLink(label: req.t("campaign.state.\($0.rawValue)"), state: $0.rawValue,
                             href: campaign.url(.state).path(query: [("to", $0.rawValue)])) }
        let content = OverviewView(
            name: campaign.name, code: campaign.code, timeZone: campaign.timeZone,
            startsAt: req.timeText(campaign.startsAt, in: campaign), endsAt: req.timeText(campaign.endsAt, in: campaign),
            scoredAt: req.timeText(campaign.scoredAt, in: campaign), state: req.t("campaign.state.\(campaign.state.rawValue)"),
            unitsHref: campaign.url(.units).path, assetsHref: campaign.url(.assets).path, stateAction: campaign.url(.state).path,
            units: unitCount, assets: try await assetQuery.count(), findingsTitle: title, findings: stats,
            teams: teams, showTeams: showTeams, canManage: canManage, nextStates: next,
            editHref: canManage && campaign.state == .draft ? campaign.url(.edit).path : nil, office: campaign.office)
        return try await req.page("campaign", title: campaign.name, campaign: campaign, content: content)
    }

    func apiList(req: Request) async throws -> [CampaignDTO] {
        try await Campaign.query(on: req.db).sort(\.$startsAt, .descending).all().map(CampaignDTO.init)
    }

    func apiGet(req: Request) async throws -> CampaignDTO {
        CampaignDTO(try await req.campaign())
    }
}
