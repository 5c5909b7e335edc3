/// A row that holds at least one value, numbered as in the spreadsheet (1-based, blank rows counted).
///
/// `cells` runs from column A to the last non-empty cell; empty cells in between are present with an
/// empty value, so `cells[i].column.index == i`.
public struct SheetRow: Hashable, Sendable {
    public let number: Int
    public let cells: [SheetCell]

    public init(number: Int, cells: [SheetCell]) {
        self.number = number
        self.cells = cells
    }

    /// Builds a row from values in column order, trimming empty trailing cells.
    public init(number: Int, values: [String]) {
        let end = values.lastIndex(where: { !$0.isEmpty }).map { $0 + 1 } ?? 0
        self.number = number
        self.cells = values[..<end].enumerated().map { SheetCell(column: SheetColumn(index: $0.offset), value: $0.element) }
    }

    /// The value in `column`, empty where the row has none.
    public subscript(column: SheetColumn) -> String {
        column.index < cells.count ? cells[column.index].value : ""
    }

    public var values: [String] { cells.map(\.value) }

    public func position(of column: SheetColumn) -> SheetCellPosition {
        SheetCellPosition(row: number, column: column)
    }
}
