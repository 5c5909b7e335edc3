/// A rectangle of cells, such as a merged title spanning `A1:F1`.
public struct SheetRange: Hashable, Sendable, CustomStringConvertible {
    public let first: SheetCellPosition
    public let last: SheetCellPosition

    public init(first: SheetCellPosition, last: SheetCellPosition) {
        self.first = SheetCellPosition(row: min(first.row, last.row),
                                       column: min(first.column, last.column))
        self.last = SheetCellPosition(row: max(first.row, last.row),
                                      column: max(first.column, last.column))
    }

    /// Parses `"A1:F1"` (or a single `"A1"`); nil for anything else.
    public init?(reference: some StringProtocol) {
        let parts = reference.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
              let first = SheetCellPosition(reference: parts[0]),
              let last = SheetCellPosition(reference: parts[parts.count - 1])
        else { return nil }
        self.init(first: first, last: last)
    }

    public func contains(_ position: SheetCellPosition) -> Bool {
        (first.row...last.row).contains(position.row)
            && (first.column...last.column).contains(position.column)
    }

    public var description: String { "\(first.reference):\(last.reference)" }
}
