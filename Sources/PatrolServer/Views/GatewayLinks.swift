import PatrolStore

/// Where the gateway pages' links and forms go, built once per page.
struct GatewayLinks: Encodable {
    var page, live, records, flagged, ca, token, interceptAll, settings, export: String

    init(_ campaign: Campaign) {
        func link(_ page: SiteURL.GatewayPage) -> SiteURL { campaign.url(.gateway(page)) }
        self.page = link(.page).path
        live = link(.page).path(query: [("live", "1")])
        records = link(.records).path
        flagged = link(.records).path(query: [("alert", "any")])
        ca = link(.ca).path
        token = link(.token).path
        interceptAll = link(.interceptAll).path
        settings = link(.settings).path
        export = link(.recordsExport).path
    }

    /// The name the campaign's CA downloads under, which the testers' tool settings refer to.
    static func caFileName(campaign code: String) -> String { "patrol-\(code)-ca.pem" }

    /// One record's page, or its replay or attach form.
    static func record(_ campaign: String, _ id: Int, _ page: SiteURL.RecordPage = .page) -> String {
        SiteURL.campaign(.value(campaign), .gateway(.record(.value(String(id)), page))).path
    }
}
