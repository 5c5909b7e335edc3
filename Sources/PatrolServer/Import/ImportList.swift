/// The lists an organiser imports (issue 19): units with their liaisons, and the units' assets.
enum ImportList: String, CaseIterable, Sendable {
    case units, assets
}
