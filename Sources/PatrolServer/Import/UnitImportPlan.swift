import Foundation
import PatrolCore
import PatrolSheet

/// What importing a units list would do, unit by unit, shown to the admin before anything is
/// written (issue 19): create, change, add to the campaign, or nothing; and every problem, named
/// by row and column. The import goes ahead only whole: with any problem, nothing is written.
struct UnitImportPlan: Sendable {
    enum Action: String, Sendable, CaseIterable {
        /// A unit Patrol does not know yet, with a new code.
        case create
        /// A known unit whose name, category, group, parent, note or liaisons the list changes.
        case update
        /// A known unit, unchanged, that does not take part in this campaign yet.
        case join
        /// Already as the list says, and in the campaign.
        case unchanged
    }

    struct Liaison: Sendable, Equatable {
        var name: String
        var phone: String
    }

    struct Item: Sendable {
        /// The rows it was read from (a unit and the further liaisons below it).
        var rows: [Int]
        var code: String
        var name: String
        var category: String
        var group: UnitGroup
        var parentCode: String?
        var note: String?
        /// nil when the list gives no liaison for the unit: a known unit keeps its own.
        var liaisons: [Liaison]?
        var action: Action
        /// The fields the import changes on a known unit (`name`, `category`, `group`, `parent`, `note`, `liaisons`).
        var changes: [String]
        var existingID: UUID?
    }

    var source: SheetSource
    var headerRow: Int
    /// Header cells that name no column Patrol reads, as written (they are left out, not an error).
    var ignoredColumns: [String]
    var items: [Item]
    var problems: [ImportProblem]
    var footnotes: [(row: Int, text: String)]

    func count(_ action: Action) -> Int { items.filter { $0.action == action }.count }

    /// Whether confirming would write anything, and may: no problem anywhere, something to do.
    var canApply: Bool { problems.isEmpty && items.contains { $0.action != .unchanged } }
}
