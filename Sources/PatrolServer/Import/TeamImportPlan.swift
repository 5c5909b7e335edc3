import Foundation
import PatrolCore
import PatrolSheet

/// What importing a teams list would do before anything is written: each team made, joined to
/// the campaign or already there, and which of its members become new tester accounts; every
/// problem by row and column. All or nothing, as for units and assets.
struct TeamImportPlan: Sendable {
    enum Action: String, Sendable, CaseIterable { case create, join, unchanged }

    struct Member: Sendable {
        var row: Int
        var name: String
        var phone, username: String?
        /// Whether the team already has this tester (by user name, or by name when none is given).
        var exists: Bool
    }

    struct Item: Sendable {
        var rows: [Int]
        var code, name: String
        var company, contactName, contactPhone: String?
        var action: Action
        var members: [Member]
    }

    var source: SheetSource
    var headerRow: Int
    var ignoredColumns: [String]
    var items: [Item]
    var problems: [ImportProblem]

    func count(_ action: Action) -> Int { items.filter { $0.action == action }.count }
    var newMembers: Int { items.reduce(0) { $0 + $1.members.filter { !$0.exists }.count } }
    var canApply: Bool { problems.isEmpty && (items.contains { $0.action != .unchanged } || newMembers > 0) }
}
