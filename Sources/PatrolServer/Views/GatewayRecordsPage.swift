import PatrolCore
import PatrolStore
import Vapor

/// The gateway records list (`gateway-records` template): filters, one page of rows, paging and
/// the export of everything that matches.
struct GatewayRecordsPage: Encodable {
    var links: GatewayLinks
    var rows: [GatewayRecordListRow]
    var total: Int
    var page: Int
    var pages: Int
    var previous: String?
    var next: String?
    var filters: GatewayRecordFilter
    var teams: [SelectOption]
    var decisions: [SelectOption]
    var alerts: [SelectOption]
    var exportURL: String
    var error: String?
    var staff: Bool
}

extension GatewayRecordsPage {
    /// The page over `list`, the records matching `filters`; paging and export links keep the filters.
    init(_ req: Request, campaign: Campaign, actor: Actor, filters: GatewayRecordFilter, list: GatewayRecords.Page,
         teams: CampaignTeams, error: String?) {
        func link(_ url: SiteURL, page: Int) -> String {
            url.path(query: [("team", filters.team), ("tester", filters.tester), ("host", filters.host),
                             ("status", filters.status), ("decision", filters.decision), ("alert", filters.alert),
                             ("from", filters.from), ("to", filters.to), ("q", filters.q), ("page", page > 1 ? String(page) : nil)])
        }
        let records = campaign.url(.gateway(.records))
        let pages = max(1, (list.total + list.per - 1) / list.per)
        let teamOptions = [SelectOption(value: "", label: req.t("gateway.records.anyTeam"), selected: (filters.team ?? "").isEmpty)]
            + teams.ids.keys.sorted().map { SelectOption(value: $0, label: $0, selected: filters.team == $0) }
        let decisions = [("", "gateway.records.anyDecision"), ("allowed", "gateway.decision.allowed"), ("denied", "gateway.decision.denied")]
            .map { SelectOption(value: $0.0, label: req.t($0.1), selected: (filters.decision ?? "") == $0.0) }
        let alerts = [SelectOption(value: "", label: req.t("gateway.records.anyAlert"), selected: (filters.alert ?? "").isEmpty),
                      SelectOption(value: "any", label: req.t("gateway.records.flagged"), selected: filters.alert == "any")]
            + GatewayRecordDTO.alertNames.map { SelectOption(value: $0, label: req.t("gateway.alert.\($0)"), selected: filters.alert == $0) }
        let rows = list.records.map {
            GatewayRecordListRow(GatewayRecordDTO($0, campaign: campaign.code, teams: teams, detail: false), req, zone: campaign.zone)
        }
        self.init(links: GatewayLinks(campaign), rows: rows, total: list.total, page: list.page,
                  pages: pages, previous: list.page > 1 ? link(records, page: list.page - 1) : nil,
                  next: list.page < pages ? link(records, page: list.page + 1) : nil,
                  filters: filters, teams: teamOptions, decisions: decisions, alerts: alerts,
                  exportURL: link(campaign.url(.gateway(.recordsExport)), page: 1), error: error,
                  staff: AccessPolicy.decide(actor, .superviseTeams) == .allow)
    }
}
