/// One cell's value as text, in the column it sits in.
///
/// Every value is text because that is what an import validates and shows back to the user: numbers
/// come as Excel displays them in the General format, dates as ISO 8601, booleans as `TRUE`/`FALSE`.
public struct SheetCell: Hashable, Sendable {
    public let column: SheetColumn
    public let value: String

    public init(column: SheetColumn, value: String) {
        self.column = column
        self.value = value
    }

    public var isEmpty: Bool { value.isEmpty }
}
