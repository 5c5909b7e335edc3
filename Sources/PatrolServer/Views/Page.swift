import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// What every page's layout needs, around the page's own `content`.
struct Page<Content: Encodable>: Encodable {
    var title: String
    var lang: String
    var t: [String: String]
    var me: Me?
    var nav: [NavItem]
    var campaign: CampaignHeader?
    var csrf: String
    var path: String
    var content: Content

    struct Me: Encodable {
        var username: String
        var displayName: String
        var role: String
        var roleName: String
        var scope: String?
    }

    struct NavItem: Encodable {
        var href: String
        var label: String
        var active: Bool
    }

    /// The campaign a page belongs to, with its own sub-navigation and the demo mark.
    struct CampaignHeader: Encodable {
        var code: String
        var name: String
        var stateName: String
        var state: String
        var demo: Bool
        var nav: [NavItem]
        /// What waits for the reader in this campaign (in-platform notifications).
        var todo: [WorkQueue.Item]
        var todoTotal: Int
    }
}

struct NoContent: Encodable {}

/// One `<option>` of a `<select>` on a page.
struct SelectOption: Encodable {
    var value, label: String
    var selected: Bool
}

extension Request {
    func page<Content: Encodable>(_ template: String, title: String, campaign: Campaign? = nil, content: Content) async throws -> View {
        let table = application.localizer.table(language)
        var me: Page<Content>.Me?
        var nav: [Page<Content>.NavItem] = []
        let path = url.path
        func item(_ href: String, _ key: String, exact: Bool = false) -> Page<Content>.NavItem {
            .init(href: href, label: t(key), active: exact ? path == href : path == href || path.hasPrefix(href + "/"))
        }
        if let user = currentUser, !user.mustChangePassword {
            var scope: String?
            if let unitID = user.$unit.id { scope = try await Unit.find(unitID, on: db)?.name }
            if let teamID = user.$team.id { scope = try await Team.find(teamID, on: db)?.name }
            me = .init(username: user.username, displayName: user.displayName, role: user.role.rawValue,
                       roleName: t("role.\(user.role.rawValue)"), scope: scope)
            nav.append(item("/campaigns", "nav.campaigns"))
            if AccessPolicy.decide(actor, .manageUsers) == .allow { nav.append(item("/admin/users", "nav.users")) }
            if AccessPolicy.decide(actor, .viewSMS) == .allow { nav.append(item("/admin/sms", "nav.sms")) }
            if AccessPolicy.decide(actor, .viewAudit) == .allow { nav.append(item("/admin/audit", "nav.audit")) }
        } else if let user = currentUser {
            me = .init(username: user.username, displayName: user.displayName, role: user.role.rawValue,
                       roleName: t("role.\(user.role.rawValue)"), scope: nil)
        }
        var header: Page<Content>.CampaignHeader?
        if let campaign {
            let base = "/campaigns/\(campaign.code)"
            var sub = [item(base, "nav.overview", exact: true), item(base + "/units", "nav.units"), item(base + "/assets", "nav.assets")]
            if let actor, AccessPolicy.decide(actor, .listFindings) == .allow { sub.append(item(base + "/findings", "nav.findings")) }
            if let actor, AccessPolicy.decide(actor, .listNotices) == .allow { sub.append(item(base + "/notices", "nav.notices")) }
            if let actor, AccessPolicy.decide(actor, .listTeams) == .allow { sub.append(item(base + "/teams", "nav.teams")) }
            if let actor, AccessPolicy.decide(actor, .viewGateway) == .allow { sub.append(item(base + "/gateway", "nav.gateway")) }
            let published = campaign.state == .published
            if actor?.role == .tester { sub[2] = item(base + "/assets", "nav.scope") }
            if actor?.role == .liaison, let unitID = actor?.unitID, let unit = try await Unit.find(unitID, on: db) {
                sub[1] = item(base + "/units/\(unit.code)", "nav.myUnit")
                if published { sub.append(item(base + "/scores/\(unit.code)", "nav.myScore")) }
            } else if let actor, AccessPolicy.decide(actor, .viewScores(published: published)) == .allow {
                sub.append(item(base + "/scores", "nav.scores"))
            }
            let todo = currentUser?.mustChangePassword == false ? try await WorkQueue.items(self, campaign) : []
            header = .init(code: campaign.code, name: campaign.name, stateName: t("campaign.state.\(campaign.state.rawValue)"),
                           state: campaign.state.rawValue, demo: campaign.isDemo, nav: sub,
                           todo: todo, todoTotal: todo.reduce(0) { $0 + $1.count })
        }
        let page = Page(title: title, lang: language.rawValue, t: table, me: me, nav: nav, campaign: header,
                        csrf: csrfToken, path: path, content: content)
        return try await view.render(template, page)
    }

    /// A redirect after a successful form post (post/redirect/get).
    func seeOther(_ location: String) -> Response {
        redirect(to: location, redirectType: .normal)
    }
}
