import Fluent
import Foundation
import PatrolCore
import PatrolGateway
import PatrolStore
import Vapor

/// The gateway page (`gateway` template): a tester's proxy settings and token; the organiser's
/// teams with their traffic and switches, the recent flagged records and the gateway's settings.
struct GatewayOverviewPage: Encodable {
    struct Snippet: Encodable { var label, text: String }
    struct TeamRow: Encodable {
        var code, name, state, stateName, recordsHref, action: String
        var suspended, interception: Bool
        var requests, denied, alerts: Int
    }
    struct SettingRow: Encodable { var name, label, value, help: String }

    var links: GatewayLinks
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
    var rows: [GatewayRecordListRow]
    var settings: [SettingRow]
    var inProcess: Bool
    /// Why the gateway refuses everything in this campaign right now (not running, or outside the
    /// window); nil while testing is open.
    var windowNote: String?
    /// Seconds between automatic reloads while the organiser watches alerts.
    var refresh: Int?
}

extension GatewayOverviewPage {
    /// The page as `actor` sees it; `proxy` is where testers point their tools, `newToken` a token
    /// just made (shown once, filled into the snippets).
    init(_ req: Request, campaign: Campaign, actor: Actor, proxy: String, newToken: String?, error: String?) async throws {
        let interceptAll = try await GatewayControl.interceptAll(campaign: campaign, on: req.db)
        self.init(links: GatewayLinks(campaign), staff: AccessPolicy.decide(actor, .superviseTeams) == .allow,
                  control: AccessPolicy.decide(actor, .controlGateway) == .allow, proxy: proxy,
                  live: (try? req.query.get(String.self, at: "live")) == "1", error: error,
                  done: (try? req.query.get(String.self, at: "done")).map { req.t("gateway.done.\($0)") },
                  username: nil, tokenSet: false, newToken: newToken, teamState: nil, teamSuspended: false,
                  interception: interceptAll, snippets: [], interceptAll: interceptAll, teams: [], rows: [],
                  settings: [], inProcess: req.application.gateway != nil,
                  windowNote: Self.windowNote(req, campaign, now: Date()), refresh: nil)
        if live && newToken == nil { refresh = 5 }
        let links = try await CampaignTeam.query(on: req.db).filter(\.$campaign.$id == campaign.requireID()).with(\.$team).all()
            .sorted { $0.team.code < $1.team.code }
        // A tester's own proxy settings: those who hold a gateway token.
        if AccessPolicy.decide(actor, .rotateGatewayToken) == .allow {
            let user = try await User.find(actor.userID, on: req.db)
            username = actor.username
            tokenSet = user?.gatewayTokenHash != nil
            if let mine = links.first(where: { $0.team.id == actor.teamID }) {
                teamState = req.t("team.state.\(mine.state.rawValue)")
                teamSuspended = mine.state == .suspended
                interception = interceptAll || mine.interception
            }
            let ca = GatewayLinks.caFileName(campaign: campaign.code)
            snippets = Self.snippets(proxy: proxy, username: actor.username, token: newToken ?? "<token>", ca: ca,
                                     caNote: req.t("gateway.burpCA", ["ca": ca]))
        }
        if staff {
            let counts = try await GatewayRecord.teamCounts(campaignID: campaign.requireID(), since: Date().addingTimeInterval(-3600), on: req.db)
            teams = links.compactMap { link in
                guard let id = link.team.id else { return nil }
                return TeamRow(code: link.team.code, name: link.team.name, state: link.state.rawValue,
                               stateName: req.t("team.state.\(link.state.rawValue)"),
                               recordsHref: campaign.url(.gateway(.records)).path(query: [("team", link.team.code)]),
                               action: campaign.url(.gateway(.team(.value(link.team.code)))).path, suspended: link.state == .suspended,
                               interception: link.interception, requests: counts[id]?.requests ?? 0,
                               denied: counts[id]?.denied ?? 0, alerts: counts[id]?.flagged ?? 0)
            }
            let codes = CampaignTeams(links)
            let records = GatewayRecords(db: req.db, actor: actor, audit: req.auditContext, campaign: campaign, teams: codes)
            rows = try await records.recentlyFlagged(limit: 30).map {
                GatewayRecordListRow(GatewayRecordDTO($0, campaign: campaign.code, teams: codes, detail: false), req, zone: campaign.zone)
            }
            let stored = try await Setting.all(prefix: "PATROL_GATEWAY_", on: req.db)
            let settings = (try? GatewaySettings.resolve(environment: ProcessInfo.processInfo.environment, stored: stored)) ?? GatewaySettings()
            self.settings = [
                SettingRow(name: "rate", label: req.t("gateway.setting.rate"), value: Self.trim(settings.ratePerSecond), help: req.t("gateway.setting.rateHelp")),
                SettingRow(name: "burst", label: req.t("gateway.setting.burst"), value: Self.trim(settings.burst), help: req.t("gateway.setting.burstHelp")),
                SettingRow(name: "bodyCapKB", label: req.t("gateway.setting.bodyCap"), value: String(settings.bodyCapBytes / 1024), help: req.t("gateway.setting.bodyCapHelp")),
                SettingRow(name: "retentionDays", label: req.t("gateway.setting.retention"), value: String(settings.retentionDays), help: req.t("gateway.setting.retentionHelp")),
            ]
        }
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

    /// A rate as typed: whole numbers without the decimal point.
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
}
