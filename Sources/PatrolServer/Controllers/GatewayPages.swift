import Fluent
import Foundation
import PatrolCore
import PatrolGateway
import PatrolStore
import SQLKit
import Vapor

/// The gateway's web pages: the organiser's alerts and switches, a tester's proxy settings, the
/// records list and one record (with the replay comparison).
extension GatewayController {
    /// Where the gateway pages' links and forms go, built once per page.
    struct Links: Encodable {
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
    }

    static func recordHref(_ campaign: String, _ id: Int, _ page: SiteURL.RecordPage = .page) -> String {
        SiteURL.campaign(.value(campaign), .gateway(.record(.value(String(id)), page))).path
    }

    struct RecordRow: Encodable {
        var id: Int
        var href: String
        var time: String
        var team: String
        var tester: String
        var method: String
        var url: String
        var status: String
        var denied: Bool
        var reason: String?
        var reasonCode: String?
        var alerts: [String]
        var bytes: String
        var duration: String
    }

    static func row(_ r: GatewayRecordDTO, _ req: Request, zone: TimeZone) -> RecordRow {
        let f = DateFormatter()
        f.timeZone = zone
        f.dateFormat = "MM-dd HH:mm:ss"
        return RecordRow(id: r.id, href: recordHref(r.campaign, r.id), time: f.string(from: r.startedAt), team: r.team ?? "", tester: r.tester ?? "",
                         method: r.method ?? r.kind.uppercased(), url: String(r.url.prefix(160)),
                         status: r.status.map(String.init) ?? "", denied: r.decision == "denied",
                         reason: r.reason.map { reasonName($0, req) }, reasonCode: r.reason,
                         alerts: r.alerts.map { req.t("gateway.alert.\($0)") },
                         bytes: "\(byteText(r.bytesUp)) / \(byteText(r.bytesDown))", duration: "\(r.durationMs) ms")
    }

    static func reasonName(_ code: String, _ req: Request) -> String {
        let key = "gateway.reason.\(code)"
        let text = req.t(key)
        return text == key.replacingOccurrences(of: ".", with: "_") ? code : text
    }

    static func byteText(_ n: Int64) -> String {
        n < 10_000 ? "\(n) B" : n < 10_000_000 ? "\(n / 1024) KiB" : "\(n / 1_048_576) MiB"
    }

    // MARK: The gateway page

    struct Snippet: Encodable { var label, text: String }
    struct TeamRow: Encodable {
        var code, name, state, stateName, recordsHref, action: String
        var suspended, interception: Bool
        var requests, denied, alerts: Int
    }
    struct SettingRow: Encodable { var name, label, value, help: String }

    struct GatewayPageView: Encodable {
        var links: Links
        var staff: Bool
        var control: Bool
        var proxy: String
        var live: Bool
        var error: String?
        var done: String?
        // A tester's view.
        var username: String?
        var tokenSet: Bool
        var newToken: String?
        var teamState: String?
        var teamSuspended: Bool
        var interception: Bool
        var snippets: [Snippet]
        // The organiser's view.
        var interceptAll: Bool
        var teams: [TeamRow]
        /// Recent flagged records.
        var rows: [RecordRow]
        var settings: [SettingRow]
        var inProcess: Bool
        /// Why the gateway refuses everything in this campaign right now (not running, or outside the
        /// window); nil while testing is open.
        var windowNote: String?
        /// Seconds between automatic reloads while the organiser watches alerts.
        var refresh: Int?
    }

    func page(req: Request) async throws -> Response {
        try await Self.renderPage(req, newToken: nil, error: nil)
    }

    static func renderPage(_ req: Request, newToken: String?, error: String?, status: HTTPStatus = .ok) async throws -> Response {
        let campaign = try await req.campaign()
        let actor = try req.requireActor()
        let proxy = publicAddress(req)
        let interceptAll = try await GatewayControl.interceptAll(campaign: campaign, on: req.db)
        var view = GatewayPageView(links: Links(campaign), staff: AccessPolicy.decide(actor, .superviseTeams) == .allow,
                                   control: AccessPolicy.decide(actor, .controlGateway) == .allow, proxy: proxy,
                                   live: (try? req.query.get(String.self, at: "live")) == "1", error: error,
                                   done: (try? req.query.get(String.self, at: "done")).map { req.t("gateway.done.\($0)") },
                                   username: nil, tokenSet: false, newToken: newToken, teamState: nil, teamSuspended: false,
                                   interception: interceptAll, snippets: [], interceptAll: interceptAll, teams: [], rows: [],
                                   settings: [], inProcess: req.application.gateway != nil,
                                   windowNote: windowNote(req, campaign, now: Date()), refresh: nil)
        if view.live && newToken == nil { view.refresh = 5 }
        let links = try await CampaignTeam.query(on: req.db).filter(\.$campaign.$id == campaign.requireID()).with(\.$team).all()
            .sorted { $0.team.code < $1.team.code }
        // A tester's own proxy settings: those who hold a gateway token.
        if AccessPolicy.decide(actor, .rotateGatewayToken) == .allow {
            let user = try await User.find(actor.userID, on: req.db)
            view.username = actor.username
            view.tokenSet = user?.gatewayTokenHash != nil
            if let mine = links.first(where: { $0.team.id == actor.teamID }) {
                view.teamState = req.t("team.state.\(mine.state.rawValue)")
                view.teamSuspended = mine.state == .suspended
                view.interception = interceptAll || mine.interception
            }
            let ca = Self.caFileName(campaign: campaign.code)
            view.snippets = snippets(proxy: proxy, username: actor.username, token: newToken ?? "<token>", ca: ca,
                                     caNote: req.t("gateway.burpCA", ["ca": ca]))
        }
        if view.staff {
            // Counted in the database: at testing rates an hour is hundreds of thousands of rows.
            let counts = try await teamCounts(req, campaign, since: Date().addingTimeInterval(-3600))
            view.teams = links.compactMap { link in
                guard let id = link.team.id else { return nil }
                return TeamRow(code: link.team.code, name: link.team.name, state: link.state.rawValue,
                               stateName: req.t("team.state.\(link.state.rawValue)"),
                               recordsHref: campaign.url(.gateway(.records)).path(query: [("team", link.team.code)]),
                               action: campaign.url(.gateway(.team(.value(link.team.code)))).path, suspended: link.state == .suspended,
                               interception: link.interception, requests: counts[id]?.requests ?? 0,
                               denied: counts[id]?.denied ?? 0, alerts: counts[id]?.flagged ?? 0)
            }
            let teams = Teams(links)
            let flagged = try await GatewayRecordDTO.selectListFields(GatewayRecord.query(on: req.db)
                .filter(\.$campaign.$id == campaign.requireID()).filter(\.$alerts != nil)
                .sort(\.$id, .descending).limit(30)).all()
            view.rows = flagged.map { row(GatewayRecordDTO($0, campaign: campaign.code, teams: teams, detail: false), req, zone: campaign.zone) }
            let stored = try await Setting.all(prefix: "PATROL_GATEWAY_", on: req.db)
            let settings = (try? GatewaySettings.resolve(environment: ProcessInfo.processInfo.environment, stored: stored)) ?? GatewaySettings()
            view.settings = [
                SettingRow(name: "rate", label: req.t("gateway.setting.rate"), value: trim(settings.ratePerSecond), help: req.t("gateway.setting.rateHelp")),
                SettingRow(name: "burst", label: req.t("gateway.setting.burst"), value: trim(settings.burst), help: req.t("gateway.setting.burstHelp")),
                SettingRow(name: "bodyCapKB", label: req.t("gateway.setting.bodyCap"), value: String(settings.bodyCapBytes / 1024), help: req.t("gateway.setting.bodyCapHelp")),
                SettingRow(name: "retentionDays", label: req.t("gateway.setting.retention"), value: String(settings.retentionDays), help: req.t("gateway.setting.retentionHelp")),
            ]
        }
        let response = try await req.page("gateway", title: req.t("gateway.title"), campaign: campaign, content: view)
            .encodeResponse(for: req)
        response.status = status
        if newToken != nil { response.headers.replaceOrAdd(name: .cacheControl, value: "no-store") }
        return response
    }

    /// Why nothing passes the gateway in this campaign at `now`, in the reader's language; nil while
    /// testing is open (running and inside the window), as `GatewayDirectory.CampaignEntry.isOpen`.
    static func windowNote(_ req: Request, _ campaign: Campaign, now: Date) -> String? {
        let values = ["starts": req.timeText(campaign.startsAt, in: campaign), "ends": req.timeText(campaign.endsAt, in: campaign)]
        switch campaign.state {
        case .draft: return req.t("gateway.window.draft", values)
        case .closed, .published: return req.t("gateway.window.over", values)
        case .running:
            if now < campaign.startsAt { return req.t("gateway.window.notYet", values) }
            if now >= campaign.endsAt { return req.t("gateway.window.over", values) }
            return nil
        }
    }

    struct TeamCount { var requests = 0, denied = 0, flagged = 0 }

    /// Requests, refusals and flagged records per team since `since`, grouped in SQL.
    static func teamCounts(_ req: Request, _ campaign: Campaign, since: Date) async throws -> [UUID: TeamCount] {
        guard let sql = req.db as? any SQLDatabase else { return [:] }
        let rows = try await sql.raw("""
            SELECT team_id, COUNT(*) AS requests,
                   SUM(CASE WHEN decision = 'denied' THEN 1 ELSE 0 END) AS denied,
                   SUM(CASE WHEN alerts IS NOT NULL THEN 1 ELSE 0 END) AS flagged
            FROM gateway_records
            WHERE campaign_id = \(bind: try campaign.requireID()) AND started_at >= \(bind: since) AND team_id IS NOT NULL
            GROUP BY team_id
            """).all()
        var counts: [UUID: TeamCount] = [:]
        for row in rows {
            let team = try row.decode(column: "team_id", as: UUID.self)
            counts[team] = TeamCount(requests: try row.decode(column: "requests", as: Int.self),
                                     denied: try row.decode(column: "denied", as: Int.self),
                                     flagged: try row.decode(column: "flagged", as: Int.self))
        }
        return counts
    }

    static func trim(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(d) }

    /// Copy-paste settings for the tools testers use.
    /// `caNote` is the sentence under Burp's settings, in the reader's language (Burp's own menus are English).
    static func snippets(proxy: String, username: String, token: String, ca: String, caNote: String) -> [Snippet] {
        let http = "http://\(username):\(token)@\(proxy)"
        let host = proxy.split(separator: ":").dropLast().joined(separator: ":")
        let port = proxy.split(separator: ":").last.map(String.init) ?? "8888"
        return [
            Snippet(label: "curl", text: "curl -x \(http) --cacert \(ca) https://target.example/"),
            Snippet(label: "Burp Suite", text: "Settings → Network → Connections → Upstream proxy servers → Add\n  Destination host: *\n  Proxy host: \(host)  Proxy port: \(port)\n  Authentication type: Basic  Username: \(username)  Password: \(token)\n\(caNote)"),
            Snippet(label: "sqlmap", text: "sqlmap -u 'https://target.example/item?id=1' --proxy=http://\(proxy) --proxy-cred=\(username):\(token)"),
            Snippet(label: "nuclei", text: "nuclei -u https://target.example/ -proxy \(http)"),
            Snippet(label: "proxychains", text: "# /etc/proxychains4.conf\nstrict_chain\nproxy_dns\n[ProxyList]\nsocks5 \(host) \(port) \(username) \(token)"),
        ]
    }

    // MARK: Forms on the gateway page

    /// A new token, shown once on the page with the settings filled in.
    func webToken(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let token = try await GatewayControl.rotateToken(username: actor.username, context: req.auditContext, on: req.db)
        await Self.apply(req)
        return try await Self.renderPage(req, newToken: token, error: nil)
    }

    struct SwitchForm: Content { var on: String?; var action: String? }

    func webInterceptAll(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let form = try req.content.decode(SwitchForm.self)
        try await GatewayControl.setInterceptAll(form.on == "1", campaign: campaign, context: req.auditContext, on: req.db)
        await Self.apply(req)
        return req.seeOther(campaign.url(.gateway(.page)).path(query: [("done", "interception")]))
    }

    /// Suspend, resume, or switch interception for one team.
    func webTeam(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let link = try await Self.link(req, campaign)
        let form = try req.content.decode(SwitchForm.self)
        let code = link.team.code
        switch form.action {
        case "suspend": try await GatewayControl.setState(.suspended, campaign: campaign, team: code, context: req.auditContext, on: req.db)
        case "resume": try await GatewayControl.setState(.active, campaign: campaign, team: code, context: req.auditContext, on: req.db)
        case "intercept-on": try await GatewayControl.setInterception(true, campaign: campaign, team: code, context: req.auditContext, on: req.db)
        case "intercept-off": try await GatewayControl.setInterception(false, campaign: campaign, team: code, context: req.auditContext, on: req.db)
        default: throw PatrolError.invalid("error.gateway.action")
        }
        await Self.apply(req)
        return req.seeOther(campaign.url(.gateway(.page)).path(query: [("done", form.action)]))
    }

    struct SettingsForm: Content { var rate, burst, bodyCapKB, retentionDays: String? }

    /// The rate limit, body cap and retention, stored for every gateway node; a bad value is named.
    func webSettings(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let form = try req.content.decode(SettingsForm.self)
        let values = [
            "PATROL_GATEWAY_RATE": form.rate, "PATROL_GATEWAY_BURST": form.burst,
            "PATROL_GATEWAY_BODY_CAP_KB": form.bodyCapKB, "PATROL_GATEWAY_RETENTION_DAYS": form.retentionDays,
        ].compactMapValues { $0?.trimmingCharacters(in: .whitespaces) }
        do {
            _ = try GatewaySettings.resolve(environment: [:], stored: values)
        } catch let invalid as GatewaySettings.Invalid {
            let message = req.t("error.gateway.setting", ["name": req.t("gateway.setting.\(Self.settingKey(invalid.key))"),
                                                          "value": String(invalid.value.prefix(20))])
            return try await Self.renderPage(req, newToken: nil, error: message, status: .unprocessableEntity)
        }
        try await req.db.transaction { db in
            try await Setting.store(values, on: db)
            try await AuditLog.append(on: db, req.auditContext, action: "gateway.settings", objectType: "gateway",
                                      objectID: campaign.code, details: values)
        }
        await Self.apply(req)
        return req.seeOther(campaign.url(.gateway(.page)).path(query: [("done", "settings")]))
    }

    static func settingKey(_ key: String) -> String {
        switch key {
        case "PATROL_GATEWAY_RATE": "rate"
        case "PATROL_GATEWAY_BURST": "burst"
        case "PATROL_GATEWAY_BODY_CAP_KB": "bodyCap"
        default: "retention"
        }
    }

    // MARK: Records pages

    struct RecordsPageView: Encodable {
        var links: Links
        var rows: [RecordRow]
        var total: Int
        var page: Int
        var pages: Int
        var previous: String?
        var next: String?
        var filters: Filters
        var teams: [SelectOption]
        var decisions: [SelectOption]
        var alerts: [SelectOption]
        var exportURL: String
        var error: String?
        var staff: Bool
    }

    func recordsPage(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let actor = try req.requireActor()
        var filters = (try? req.query.decode(Filters.self)) ?? Filters()
        filters.per = 50
        let teams = try await Teams(campaign, req.db)
        var list = RecordList(records: [], total: 0, page: 1, per: 50)
        var error: String?
        do { list = try await Self.list(req, campaign, filters, teams: teams) } catch let e as PatrolError where e.status == .unprocessableEntity {
            error = req.t(e)
        }
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
        let view = RecordsPageView(
            links: Links(campaign), rows: list.records.map { Self.row($0, req, zone: campaign.zone) }, total: list.total, page: list.page,
            pages: pages, previous: list.page > 1 ? link(records, page: list.page - 1) : nil,
            next: list.page < pages ? link(records, page: list.page + 1) : nil,
            filters: filters, teams: teamOptions, decisions: decisions, alerts: alerts,
            exportURL: link(campaign.url(.gateway(.recordsExport)), page: 1), error: error,
            staff: AccessPolicy.decide(actor, .superviseTeams) == .allow)
        let response = try await req.page("gateway-records", title: req.t("gateway.records.title"), campaign: campaign, content: view)
            .encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    struct Exchange: Encodable {
        var id: Int
        var href: String
        var time: String
        var status: String
        var requestHeaders: [Header]
        var responseHeaders: [Header]
        var requestBody: BodyView?
        var responseBody: BodyView?
    }

    struct Header: Encodable { var name, value: String }

    struct BodyView: Encodable {
        var text: String
        var note: String
    }

    struct RecordPageView: Encodable {
        var links: Links
        var replayAction, attachAction: String
        var replayOfHref: String?
        var record: GatewayRecordDTO
        var row: RecordRow
        var exchange: Exchange
        /// The original of a replay, shown beside it.
        var original: Exchange?
        /// Replays of this record.
        var rows: [RecordRow]
        var canReplay: Bool
        var findings: [SelectOption]
        var error: String?
    }

    static func exchange(_ r: GatewayRecordDTO, _ req: Request, zone: TimeZone) -> Exchange {
        let f = DateFormatter()
        f.timeZone = zone
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        func view(_ b: GatewayRecordDTO.Body?) -> BodyView? {
            guard let b else { return nil }
            var note = req.t("gateway.record.bodySize", ["n": String(b.size)])
            if b.truncated { note += " · " + req.t("gateway.record.truncated") }
            if b.encoding == "base64" { note += " · " + req.t("gateway.record.binary") }
            let shown = b.encoding == "base64" ? String(b.data.prefix(4096)) : String(b.data.prefix(65_536))
            return BodyView(text: shown, note: note)
        }
        return Exchange(id: r.id, href: recordHref(r.campaign, r.id), time: f.string(from: r.startedAt), status: r.status.map(String.init) ?? "—",
                        requestHeaders: headers(r.requestHeaders), responseHeaders: headers(r.responseHeaders),
                        requestBody: view(r.requestBody), responseBody: view(r.responseBody))
    }

    static func headers(_ pairs: [[String]]?) -> [Header] {
        (pairs ?? []).compactMap { $0.count == 2 ? Header(name: $0[0], value: $0[1]) : nil }
    }

    func recordPage(req: Request) async throws -> Response {
        try await Self.renderRecord(req, error: nil)
    }

    static func renderRecord(_ req: Request, error: String?) async throws -> Response {
        let campaign = try await req.campaign()
        let actor = try req.requireActor()
        let r = try await record(req, campaign)
        let teams = try await Teams(campaign, req.db)
        let dto = GatewayRecordDTO(r, campaign: campaign.code, teams: teams, detail: true)
        var original: Exchange?
        if let of = r.replayOf, let o = try await GatewayRecord.query(on: req.db).filter(\.$id == of)
            .filter(\.$campaign.$id == campaign.requireID()).first() {
            original = exchange(GatewayRecordDTO(o, campaign: campaign.code, teams: teams, detail: true), req, zone: campaign.zone)
        }
        let replays = try await GatewayRecordDTO.selectListFields(GatewayRecord.query(on: req.db)
            .filter(\.$campaign.$id == campaign.requireID()).filter(\.$replayOf == r.id).sort(\.$id, .descending).limit(20)).all()
        // Findings the reader may attach this record to.
        let fq = try Finding.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
        if case .some(let only) = AccessPolicy.visibleTeam(for: actor) {
            fq.filter(\.$team.$id == (only ?? UUID())).filter(\.$status ~~ [.submitted, .needInfo])
        }
        let findings = try await fq.sort(\.$code, .descending).limit(300).all()
            .filter { AccessPolicy.decide(actor, .attachEvidence(unitID: $0.$unit.id, teamID: $0.$team.id, status: $0.status)) == .allow }
            .map { SelectOption(value: $0.code, label: "\($0.code) \($0.title.prefix(40))", selected: false) }
        let canReplay = AccessPolicy.decide(actor, .replayGatewayRecords) == .allow && ["http", "https", "replay"].contains(r.kind)
            && r.method != "CONNECT" && r.decision == "allowed"
        let view = RecordPageView(links: Links(campaign), replayAction: Self.recordHref(campaign.code, dto.id, .replay),
                                  attachAction: Self.recordHref(campaign.code, dto.id, .attach),
                                  replayOfHref: dto.replayOf.map { Self.recordHref(campaign.code, $0) }, record: dto, row: row(dto, req, zone: campaign.zone),
                                  exchange: exchange(dto, req, zone: campaign.zone), original: original,
                                  rows: replays.map { row(GatewayRecordDTO($0, campaign: campaign.code, teams: teams, detail: false), req, zone: campaign.zone) },
                                  canReplay: canReplay, findings: findings, error: error)
        let response = try await req.page("gateway-record", title: req.t("gateway.record.title", ["id": String(dto.id)]),
                                          campaign: campaign, content: view).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    func webReplay(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let r = try await Self.record(req, campaign)
        do {
            let replayed = try await Self.replay(req, campaign, r)
            return req.seeOther(Self.recordHref(campaign.code, replayed.id ?? 0))
        } catch let e as PatrolError where e.status == .conflict {
            return try await Self.renderRecord(req, error: e.detail ?? req.t(e))
        }
    }

    func webAttach(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let r = try await Self.record(req, campaign)
        let form = try req.content.decode(AttachBody.self)
        do {
            let f = try await Self.attach(req, campaign, r, findingCode: form.finding)
            return req.seeOther(campaign.url(.finding(.value(f.code), .page)).path)
        } catch let e as PatrolError where e.status == .unprocessableEntity {
            return try await Self.renderRecord(req, error: req.t(e))
        }
    }
}
