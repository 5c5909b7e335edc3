import Foundation
import Vapor

/// Every route of Patrol, named once (in the manner of SwiftPackageIndex-Server's `SiteURL`).
/// Routes are registered from it (`pathComponents`), links and redirects are built from it
/// (`path`), and the OpenAPI document takes its paths from it (`openAPIPath`). Paths are always
/// absolute: a relative `href` resolves differently on `/units` and `/units/`.
enum SiteURL: Sendable, Equatable {
    /// A path parameter: `.key` where a route is registered (`:campaign`), `.value` where a link to
    /// it is built. One enum names both, so a link cannot point at a route that does not exist.
    enum Parameter: Sendable, Equatable {
        case key
        case value(String)
    }

    case home
    case healthz
    case login
    case logout
    case password
    case language(Parameter)
    case campaigns
    case newCampaign
    /// A blank list to fill in for import (`units.xlsx`, `units.csv`).
    case importTemplate(Parameter)
    case campaign(Parameter, CampaignPage)
    case users
    case newUser
    case user(Parameter, UserPage)
    case audit
    case sms
    case smsMessage(Parameter, SMSMessagePage)
    case smsTest
    case smsSettings
    case api(APIPath)

    /// The pages and actions of one campaign; the API has the same resources under `/api/v1`.
    enum CampaignPage: Sendable, Equatable {
        case overview
        case state
        case edit
        /// What must hold before a state change (`?to=running`), for the API.
        case readiness
        /// Upload a list (units with liaisons) to preview, then confirm it.
        case importList
        case importConfirm
        /// The API's import of a units list (`?dryRun=true` for the preview).
        case importUnits
        case importAssets
        case importTeams
        case units
        case newUnit
        /// SMS to the units that have not declared their assets yet.
        case remindDeclarations
        case unit(Parameter, UnitPage)
        case assets
        /// Several assets approved or rejected at once (the review queue).
        case assetReview
        case asset(Parameter, AssetPage)
        case teams
        case newTeam
        case team(Parameter, TeamPage)
        case findings
        case newFinding
        case finding(Parameter, FindingPage)
        case notices
        case notice(Parameter)
        /// The unit's receipt (签收) of a notice.
        case noticeReceipt(Parameter)
        case scores
        case scoresCSV
        case unitScore(Parameter)
        case publishScores
        case scoringPolicy
        case gateway(GatewayPage)
    }

    enum UnitPage: Sendable, Equatable { case page, newAsset, assets, edit, retire }
    enum AssetPage: Sendable, Equatable { case page, edit, delete, internalNetwork, review }
    enum TeamPage: Sendable, Equatable { case page, suspend, resume, edit, members, leave }
    enum UserPage: Sendable, Equatable { case page, disable, enable, reset, password }
    enum SMSMessagePage: Sendable, Equatable { case resend }

    enum FindingPage: Sendable, Equatable {
        case page, edit, review, remediations, retests, shellCheck, evidence
        case evidenceFile(Parameter)
    }

    enum GatewayPage: Sendable, Equatable {
        case page, ca, token, interceptAll, settings
        case team(Parameter)
        case records
        case recordsExport
        case record(Parameter, RecordPage)
    }

    enum RecordPage: Sendable, Equatable { case page, replay, attach }

    enum APIPath: Sendable, Equatable {
        case login, logout, me, password
        case campaigns
        case campaign(Parameter, CampaignPage)
        case users
        case user(Parameter, UserPage)
        case gatewayToken
        case sms
        case openAPI
    }

    /// One piece of a path: a fixed word, or a named parameter.
    enum Segment: Equatable {
        case constant(String)
        case parameter(String, Parameter)
    }

    var segments: [Segment] {
        switch self {
        case .home: return []
        case .healthz: return [.constant("healthz")]
        case .login: return [.constant("login")]
        case .logout: return [.constant("logout")]
        case .password: return [.constant("password")]
        case .language(let p): return [.constant("lang"), .parameter("language", p)]
        case .campaigns: return [.constant("campaigns")]
        case .newCampaign: return [.constant("campaigns"), .constant("new")]
        case .importTemplate(let t): return [.constant("import-templates"), .parameter("template", t)]
        case .campaign(let c, let page): return [.constant("campaigns"), .parameter("campaign", c)] + page.segments
        case .users: return [.constant("admin"), .constant("users")]
        case .newUser: return [.constant("admin"), .constant("users"), .constant("new")]
        case .user(let u, let page): return [.constant("admin"), .constant("users"), .parameter("user", u)] + page.segments
        case .audit: return [.constant("admin"), .constant("audit")]
        case .sms: return [.constant("admin"), .constant("sms")]
        case .smsMessage(let m, .resend): return [.constant("admin"), .constant("sms"), .parameter("message", m), .constant("resend")]
        case .smsTest: return [.constant("admin"), .constant("sms"), .constant("test")]
        case .smsSettings: return [.constant("admin"), .constant("sms"), .constant("settings")]
        case .api(let api): return [.constant("api"), .constant("v1")] + api.segments
        }
    }

    /// The absolute path of a link, its parameters percent-encoded.
    var path: String {
        "/" + segments.map { segment -> String in
            switch segment {
            case .constant(let word): return word
            case .parameter(let name, .key): return ":" + name
            case .parameter(_, .value(let value)): return value.addingPercentEncoding(withAllowedCharacters: Self.segmentAllowed) ?? value
            }
        }.joined(separator: "/")
    }

    /// The path with a query string; empty values are left out.
    func path(query: [(String, String?)]) -> String {
        var components = URLComponents()
        components.queryItems = query.compactMap { name, value in value.flatMap { $0.isEmpty ? nil : URLQueryItem(name: name, value: $0) } }
        guard let q = components.percentEncodedQuery, !q.isEmpty else { return path }
        // `+` in a value would be read back as a space by a form decoder.
        return path + "?" + q.replacingOccurrences(of: "+", with: "%2B")
    }

    /// The path as the router registers it (`:campaign` for each parameter).
    var pathComponents: [PathComponent] {
        segments.map {
            switch $0 {
            case .constant(let word): return .constant(word)
            case .parameter(let name, _): return .parameter(name)
            }
        }
    }

    /// The path as the OpenAPI document writes it (`{campaign}`).
    var openAPIPath: String {
        "/" + segments.map {
            switch $0 {
            case .constant(let word): return word
            case .parameter(let name, _): return "{\(name)}"
            }
        }.joined(separator: "/")
    }

    private static let segmentAllowed: CharacterSet = {
        var set = CharacterSet.urlPathAllowed
        set.remove(charactersIn: "/;?#%")
        return set
    }()
}

extension SiteURL.CampaignPage {
    var segments: [SiteURL.Segment] {
        switch self {
        case .overview: return []
        case .state: return [.constant("state")]
        case .edit: return [.constant("edit")]
        case .readiness: return [.constant("readiness")]
        case .importList: return [.constant("import")]
        case .importConfirm: return [.constant("import"), .constant("confirm")]
        case .importUnits: return [.constant("imports"), .constant("units")]
        case .importAssets: return [.constant("imports"), .constant("assets")]
        case .importTeams: return [.constant("imports"), .constant("teams")]
        case .units: return [.constant("units")]
        case .newUnit: return [.constant("units"), .constant("new")]
        case .remindDeclarations: return [.constant("units"), .constant("remind")]
        case .unit(let u, let page):
            let base: [SiteURL.Segment] = [.constant("units"), .parameter("unit", u)]
            switch page {
            case .page: return base
            case .newAsset: return base + [.constant("assets"), .constant("new")]
            case .assets: return base + [.constant("assets")]
            case .edit: return base + [.constant("edit")]
            case .retire: return base + [.constant("retire")]
            }
        case .assets: return [.constant("assets")]
        case .assetReview: return [.constant("assets"), .constant("review")]
        case .asset(let a, let page):
            let base: [SiteURL.Segment] = [.constant("assets"), .parameter("asset", a)]
            switch page {
            case .page: return base
            case .edit: return base + [.constant("edit")]
            case .delete: return base + [.constant("delete")]
            case .internalNetwork: return base + [.constant("internal-network")]
            case .review: return base + [.constant("review")]
            }
        case .teams: return [.constant("teams")]
        case .newTeam: return [.constant("teams"), .constant("new")]
        case .team(let t, let page):
            let base: [SiteURL.Segment] = [.constant("teams"), .parameter("team", t)]
            switch page {
            case .page: return base
            case .suspend: return base + [.constant("suspend")]
            case .resume: return base + [.constant("resume")]
            case .edit: return base + [.constant("edit")]
            case .members: return base + [.constant("members")]
            case .leave: return base + [.constant("leave")]
            }
        case .findings: return [.constant("findings")]
        case .newFinding: return [.constant("findings"), .constant("new")]
        case .finding(let f, let page): return [.constant("findings"), .parameter("finding", f)] + page.segments
        case .notices: return [.constant("notices")]
        case .notice(let n): return [.constant("notices"), .parameter("notice", n)]
        case .noticeReceipt(let n): return [.constant("notices"), .parameter("notice", n), .constant("receipt")]
        case .scores: return [.constant("scores")]
        case .scoresCSV: return [.constant("scores.csv")]
        case .unitScore(let u): return [.constant("scores"), .parameter("unit", u)]
        case .publishScores: return [.constant("scores"), .constant("publish")]
        case .scoringPolicy: return [.constant("scoring-policy")]
        case .gateway(let page): return [.constant("gateway")] + page.segments
        }
    }
}

extension SiteURL.FindingPage {
    var segments: [SiteURL.Segment] {
        switch self {
        case .page: return []
        case .edit: return [.constant("edit")]
        case .review: return [.constant("review")]
        case .remediations: return [.constant("remediations")]
        case .retests: return [.constant("retests")]
        case .shellCheck: return [.constant("shell-check")]
        case .evidence: return [.constant("evidence")]
        case .evidenceFile(let e): return [.constant("evidence"), .parameter("evidence", e)]
        }
    }
}

extension SiteURL.GatewayPage {
    var segments: [SiteURL.Segment] {
        switch self {
        case .page: return []
        case .ca: return [.constant("ca.pem")]
        case .token: return [.constant("token")]
        case .interceptAll: return [.constant("intercept-all")]
        case .settings: return [.constant("settings")]
        case .team(let t): return [.constant("teams"), .parameter("team", t)]
        case .records: return [.constant("records")]
        case .recordsExport: return [.constant("records"), .constant("export")]
        case .record(let r, let page):
            let base: [SiteURL.Segment] = [.constant("records"), .parameter("record", r)]
            switch page {
            case .page: return base
            case .replay: return base + [.constant("replay")]
            case .attach: return base + [.constant("attach")]
            }
        }
    }
}

extension SiteURL.UserPage {
    var segments: [SiteURL.Segment] {
        switch self {
        case .page: return []
        case .disable: return [.constant("disable")]
        case .enable: return [.constant("enable")]
        case .reset: return [.constant("reset")]
        case .password: return [.constant("password")]
        }
    }
}

extension SiteURL.APIPath {
    var segments: [SiteURL.Segment] {
        switch self {
        case .login: return [.constant("auth"), .constant("login")]
        case .logout: return [.constant("auth"), .constant("logout")]
        case .me: return [.constant("auth"), .constant("me")]
        case .password: return [.constant("auth"), .constant("password")]
        case .campaigns: return [.constant("campaigns")]
        case .campaign(let c, let page): return [.constant("campaigns"), .parameter("campaign", c)] + page.segments
        case .users: return [.constant("users")]
        case .user(let u, let page): return [.constant("users"), .parameter("user", u)] + page.segments
        case .gatewayToken: return [.constant("gateway"), .constant("token")]
        case .sms: return [.constant("sms")]
        case .openAPI: return [.constant("openapi.json")]
        }
    }
}
