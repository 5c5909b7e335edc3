import Foundation

/// The teams page of a campaign (`teams` template): every role but liaisons; member accounts for
/// the organiser's staff, finding counts for those who may see every finding's existence, and the
/// set-up links (a team's own page, adding one) for the admin.
struct TeamListPage: Encodable {
    struct Member: Encodable { var username, displayName: String; var disabled: Bool }
    struct Row: Encodable {
        var code, name, company, state, stateName: String
        var interception: Bool
        var members: [Member]?
        var submitted, counted: Int?
        /// The team's page, for those who manage teams.
        var href: String?
    }
    var rows: [Row]
    var showMembers: Bool
    var showCounts: Bool
    /// Adding a team, for those who manage teams.
    var newHref: String?
    /// The team that just left the campaign, named once after the redirect.
    var left: String?
}
