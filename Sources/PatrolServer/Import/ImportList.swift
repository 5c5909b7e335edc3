/// The lists an organiser imports (issue 19): units with their liaisons, the units' assets, and
/// the testing teams with their members.
enum ImportList: String, CaseIterable, Sendable {
    case units, assets, teams
}
