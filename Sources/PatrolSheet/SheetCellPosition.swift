/// Where a cell sits: its 1-based row number and its column, as in the spreadsheet the user opened.
public struct SheetCellPosition: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let row: Int
    public let column: SheetColumn

    public init(row: Int, column: SheetColumn) {
        self.row = row
        self.column = column
    }

    /// Parses an A1 reference (`"F7"`); nil for anything else.
    public init?(reference: some StringProtocol) {
        guard let firstDigit = reference.firstIndex(where: \.isASCIIDigit),
              let column = SheetColumn(letters: reference[..<firstDigit]),
              let row = Int(reference[firstDigit...]), row >= 1
        else { return nil }
        self.init(row: row, column: column)
    }

    /// The A1 reference, `F7`.
    public var reference: String { "\(column.letters)\(row)" }

    public var description: String { reference }

    public static func < (lhs: SheetCellPosition, rhs: SheetCellPosition) -> Bool {
        (lhs.row, lhs.column.index) < (rhs.row, rhs.column.index)
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
