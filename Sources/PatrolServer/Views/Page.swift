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
    var links: Links
    var content: Content

    /// The layout's own links, built from `SiteURL` like every other.
    struct Links: Encodable {
        /// The other language, coming back to this page.
        var language: String
        var home: String
        var login: String
        var password: String
        var logout: String
    }

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
        var href: String
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
            nav.append(item(SiteURL.campaigns.path, "nav.campaigns"))
            if AccessPolicy.decide(actor, .manageUsers) == .allow { nav.append(item(SiteURL.users.path, "nav.users")) }
            if AccessPolicy.decide(actor, .viewSMS) == .allow { nav.append(item(SiteURL.sms.path, "nav.sms")) }
            if AccessPolicy.decide(actor, .viewAudit) == .allow { nav.append(item(SiteURL.audit.path, "nav.audit")) }
        } else if let user = currentUser {
            me = .init(username: user.username, displayName: user.displayName, role: user.role.rawValue,
                       roleName: t("role.\(user.role.rawValue)"), scope: nil)
        }
        var header: Page<Content>.CampaignHeader?
        if let campaign {
            func link(_ page: SiteURL.CampaignPage) -> String { campaign.url(page).path }
            var sub = [item(link(.overview), "nav.overview", exact: true), item(link(.units), "nav.units"), item(link(.assets), "nav.assets")]
            if let actor, AccessPolicy.decide(actor, .listFindings) == .allow { sub.append(item(link(.findings), "nav.findings")) }
            if let actor, AccessPolicy.decide(actor, .listNotices) == .allow { sub.append(item(link(.notices), "nav.notices")) }
            if let actor, AccessPolicy.decide(actor, .listTeams) == .allow { sub.append(item(link(.teams), "nav.teams")) }
            if let actor, AccessPolicy.decide(actor, .viewGateway) == .allow { sub.append(item(link(.gateway(.page)), "nav.gateway")) }
            let published = campaign.state == .published
            // A testing team's asset list is its scope; a unit's reader has one unit of its own.
            if let actor, case .team = AccessPolicy.findingScope(for: actor) { sub[2] = item(link(.assets), "nav.scope") }
            if let actor, case .some(let only) = AccessPolicy.visibleUnit(for: actor), let unitID = only,
               let unit = try await Unit.find(unitID, on: db) {
                sub[1] = item(link(.unit(.value(unit.code), .page)), "nav.myUnit")
                if published { sub.append(item(link(.unitScore(.value(unit.code))), "nav.myScore")) }
            } else if let actor, AccessPolicy.decide(actor, .viewScores(published: published)) == .allow {
                sub.append(item(link(.scores), "nav.scores"))
            }
            let todo = currentUser?.mustChangePassword == false ? try await WorkQueue.items(self, campaign) : []
            header = .init(code: campaign.code, href: campaign.url(.overview).path, name: campaign.name, stateName: t("campaign.state.\(campaign.state.rawValue)"),
                           state: campaign.state.rawValue, demo: campaign.isDemo, nav: sub,
                           todo: todo, todoTotal: todo.reduce(0) { $0 + $1.count })
        }
        let other: Localizer.Language = language == .zh ? .en : .zh
        let links = Page<Content>.Links(
            language: SiteURL.language(.value(other.rawValue)).path(query: [("next", url.string)]),
            home: SiteURL.home.path, login: SiteURL.login.path, password: SiteURL.password.path, logout: SiteURL.logout.path)
        let page = Page(title: title, lang: language.rawValue, t: table, me: me, nav: nav, campaign: header,
                        csrf: csrfToken, path: path, links: links, content: content)
        return try await view.render(template, page)
    }

    /// A redirect after a successful form post (post/redirect/get).
    func seeOther(_ location: String) -> Response {
        redirect(to: location, redirectType: .normal)
    }
}
