/// A worksheet (or a CSV file) as rows of text cells.
///
/// Blank rows are left out but numbering is kept, so row 7 is the seventh row the user sees in Excel
/// whatever came before it. Merged areas are listed as the file declares them; their value sits in
/// the first cell only, as in the file, unless `fillingMergedCells()` is asked for.
public struct SheetTable: Hashable, Sendable {
    public let source: SheetSource
    /// Non-blank rows in ascending row number.
    public let rows: [SheetRow]
    public let mergedRanges: [SheetRange]

    public init(source: SheetSource, rows: [SheetRow], mergedRanges: [SheetRange] = []) {
        self.source = source
        self.rows = rows
        self.mergedRanges = mergedRanges
    }

    public var isEmpty: Bool { rows.isEmpty }

    /// The row numbered `number`, nil when that row is blank or beyond the end.
    public func row(_ number: Int) -> SheetRow? {
        var low = 0, high = rows.count
        while low < high {
            let middle = (low + high) / 2
            if rows[middle].number < number { low = middle + 1 } else { high = middle }
        }
        return low < rows.count && rows[low].number == number ? rows[low] : nil
    }

    /// The rows after a header row, which is what an import reads as data.
    public func rows(below number: Int) -> ArraySlice<SheetRow> {
        rows.drop(while: { $0.number <= number })
    }

    /// The value at a position, empty where there is none.
    public subscript(position: SheetCellPosition) -> String {
        row(position.row)?[position.column] ?? ""
    }

    /// A copy in which every cell of a merged area holds the area's value.
    ///
    /// Offices merge a unit's name down over the rows of its several liaisons; an import that reads a
    /// row on its own needs the name on each of them. Title rows merged across are filled too, which
    /// is harmless: a title never matches a header.
    public func fillingMergedCells() -> SheetTable {
        guard !mergedRanges.isEmpty else { return self }
        var values: [Int: [String]] = [:]
        for row in rows { values[row.number] = row.values }
        for range in mergedRanges {
            let value = self[range.first]
            guard !value.isEmpty else { continue }
            for number in range.first.row...range.last.row {
                var rowValues = values[number] ?? []
                if rowValues.count <= range.last.column.index {
                    rowValues += Array(repeating: "", count: range.last.column.index + 1 - rowValues.count)
                }
                for index in range.first.column.index...range.last.column.index where rowValues[index].isEmpty {
                    rowValues[index] = value
                }
                values[number] = rowValues
            }
        }
        let filled = values.keys.sorted().map { SheetRow(number: $0, values: values[$0]!) }
        return SheetTable(source: source, rows: filled, mergedRanges: mergedRanges)
    }
}
