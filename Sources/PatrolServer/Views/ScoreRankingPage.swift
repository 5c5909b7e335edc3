import PatrolCore
import PatrolStore
import Vapor

/// The ranking (`scores` template): every unit's score overall or within one group, with the
/// publication state and, for the admin of a closed campaign, the publish button.
struct ScoreRankingPage: Encodable {
    struct Tab: Encodable { var href, label: String; var active: Bool }
    struct Row: Encodable {
        var rank, unit, name, href, groupName: String
        var assets, points, pending: Int
        var asset, vulnerability, protection, data, remediation, total: String
    }
    var tabs: [Tab]
    var csvHref, policyHref, publishAction: String
    var rows: [Row]
    var scoredAt: String
    var published: Bool
    var publishedAt: String
    var canPublish: Bool
    var provisionalNote: String
    var pending: Int
    /// Remediation reports still awaiting retest: publishing over them needs a recorded reason.
    var awaitingRetest: Int = 0
    var groupLabel: String?
}

extension ScoreRankingPage {
    /// The ranking of `doc`, the whole sheet or only `group`'s units ranked within their group.
    init(_ req: Request, campaign: Campaign, doc: ScoreSheetDocument, published: Bool, group: UnitGroup?) throws {
        let actor = try req.requireActor()
        let base = campaign.url(.scores)
        var tabs = [Tab(href: base.path, label: req.t("score.tab.overall"), active: group == nil)]
        tabs += UnitGroup.allCases.map { g in
            .init(href: base.path(query: [("group", g.rawValue)]), label: req.t("unit.group.\(g.rawValue)"), active: g == group)
        }
        let rows = doc.units.filter { group == nil || $0.group == group!.rawValue }.map { r in
            Row(rank: String(group == nil ? r.rank : r.groupRank), unit: r.unit, name: r.name,
                href: campaign.url(.unitScore(.value(r.unit))).path,
                groupName: req.t("unit.group.\(r.group)"), assets: r.assets, points: r.points, pending: r.pending,
                asset: r.asset.description, vulnerability: r.vulnerability.description,
                protection: r.protection.description, data: r.data.description,
                remediation: r.remediation.description, total: r.total.description)
        }
        let note: String
        switch campaign.state {
        case .published: note = ""
        case .closed: note = req.t("score.provisional.closed")
        default: note = req.t("score.provisional.running")
        }
        self.init(
            tabs: tabs, csvHref: campaign.url(.scoresCSV).path, policyHref: campaign.url(.scoringPolicy).path,
            publishAction: campaign.url(.publishScores).path, rows: rows, scoredAt: ScoreRankingPage.scoredAtText(req, campaign, doc, published: published),
            published: published, publishedAt: req.timeText(campaign.publishedAt, in: campaign),
            canPublish: campaign.state == .closed && AccessPolicy.decide(actor, .publishScores) == .allow,
            provisionalNote: note, pending: rows.reduce(0) { $0 + $1.pending },
            groupLabel: group.map { req.t("unit.group.\($0.rawValue)") })
    }

    /// The instant the sheet was scored at; a provisional sheet without a scoring instant says it is
    /// scored at the current time, again within the minute (`ScoreMemo.freshness`).
    static func scoredAtText(_ req: Request, _ campaign: Campaign, _ doc: ScoreSheetDocument, published: Bool) -> String {
        let time = req.timeText(BundleDate.parse(doc.scoredAt), in: campaign)
        return campaign.scoredAt == nil && !published ? req.t("score.scoredAt.now", ["time": time]) : time
    }
}
