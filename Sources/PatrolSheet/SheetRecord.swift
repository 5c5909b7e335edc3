/// One data row read through a header: each field's value by its key, trimmed, empty cells left
/// out, with the row's number as the spreadsheet shows it (for "第 7 行" in a message).
public struct SheetRecord<Key: Hashable & Sendable>: Sendable {
    public let number: Int
    public var values: [Key: String]

    public init(number: Int, values: [Key: String]) {
        self.number = number
        self.values = values
    }

    /// The field's value, empty when the row has none or the sheet has no such column.
    public subscript(_ key: Key) -> String { values[key] ?? "" }
}
