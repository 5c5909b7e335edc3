/// Where a header row was found and what it holds.
public struct HeaderMatch<Key: Hashable & Sendable>: Sendable {
    /// The header's row number; data starts below it (`SheetTable.rows(below:)`).
    public let rowNumber: Int
    /// The column of each field found (the first, if a name appears twice).
    public let columns: [Key: SheetColumn]
    /// Required fields with no column, in the order the fields were given.
    public let missingRequired: [Key]
    /// Header cells that name no field, with their text as written.
    public let unknownColumns: [SheetCell]
    /// Further columns bearing a field's name after the one used.
    public let duplicateColumns: [Key: [SheetColumn]]

    public init(rowNumber: Int, columns: [Key: SheetColumn], missingRequired: [Key],
                unknownColumns: [SheetCell], duplicateColumns: [Key: [SheetColumn]]) {
        self.rowNumber = rowNumber
        self.columns = columns
        self.missingRequired = missingRequired
        self.unknownColumns = unknownColumns
        self.duplicateColumns = duplicateColumns
    }

    /// The value of `key`'s column in `row`, nil when the sheet has no such column.
    public func value(_ key: Key, in row: SheetRow) -> String? {
        columns[key].map { row[$0] }
    }

    /// `row` read through this header: every found field's value, trimmed, empty ones left out.
    public func record(_ row: SheetRow) -> SheetRecord<Key> {
        var values: [Key: String] = [:]
        for (key, column) in columns {
            let value = row[column].trimmingCharacters(in: .whitespacesAndNewlines)
            if !value.isEmpty { values[key] = value }
        }
        return SheetRecord(number: row.number, values: values)
    }
}
