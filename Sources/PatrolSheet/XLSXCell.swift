import Foundation

/// A value to write into a cell.
public enum XLSXCell: Hashable, Sendable, ExpressibleByStringLiteral {
    case text(String)
    case number(Double)
    case integer(Int64)
    /// A calendar day, written as a serial with the format `yyyy-mm-dd`.
    case date(year: Int, month: Int, day: Int)
    /// An instant shown as wall-clock time in `timeZone` (a campaign's), format `yyyy-mm-dd hh:mm:ss`.
    case dateTime(Date, timeZone: TimeZone)
    case empty

    public init(stringLiteral value: String) {
        self = .text(value)
    }

    /// The text a reader shows for it, for sizing columns.
    var displayText: String {
        switch self {
        case .text(let text): text
        case .number(let value): NumberText.text(value)
        case .integer(let value): String(value)
        case .date: "2000-01-01"
        case .dateTime: "2000-01-01 00:00:00"
        case .empty: ""
        }
    }
}
