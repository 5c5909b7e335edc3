import Foundation
import PatrolCore
import PatrolSheet

/// What importing an assets list would do, asset by asset, before anything is written: new
/// assets of the campaign's units, corrections of ones already there (same unit, same target),
/// or nothing; every problem by row and column. All or nothing, as for units.
struct AssetImportPlan: Sendable {
    enum Action: String, Sendable, CaseIterable { case create, update, unchanged }

    struct Item: Sendable {
        var row: Int
        var unitCode, unitName: String
        var unitID: UUID
        var kind: AssetKind
        var target: String
        var ports, note: String?
        var action: Action
        var changes: [String]
        var existingID: UUID?
        var existingCode: String?
    }

    var source: SheetSource
    var headerRow: Int
    var ignoredColumns: [String]
    var items: [Item]
    var problems: [ImportProblem]

    func count(_ action: Action) -> Int { items.filter { $0.action == action }.count }
    var canApply: Bool { problems.isEmpty && items.contains { $0.action != .unchanged } }
}
