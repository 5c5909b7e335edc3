/// A spreadsheet column as the user sees it: `A`, `B`, … `Z`, `AA`, … `XFD`.
///
/// Kept as a 0-based index so rows can be arrays, and printed as letters because an error message
/// must name the column the way Excel and WPS label it ("第 7 行 F 列").
public struct SheetColumn: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The widest sheet Excel can hold (column XFD); anything beyond is not a real spreadsheet column.
    public static let maximumCount = 16_384

    /// 0-based: `A` is 0.
    public let index: Int

    public init(index: Int) {
        precondition(index >= 0, "a column index is never negative")
        self.index = index
    }

    /// Parses column letters (`"F"`, `"aa"`); nil for anything else or a column beyond `XFD`.
    public init?(letters: some StringProtocol) {
        guard !letters.isEmpty, letters.count <= 3 else { return nil }
        var number = 0
        for scalar in letters.unicodeScalars {
            switch scalar.value {
            case 65...90: number = number * 26 + Int(scalar.value - 64)
            case 97...122: number = number * 26 + Int(scalar.value - 96)
            default: return nil
            }
        }
        guard number <= Self.maximumCount else { return nil }
        self.index = number - 1
    }

    public var letters: String {
        var number = index + 1
        var scalars: [Unicode.Scalar] = []
        while number > 0 {
            let remainder = (number - 1) % 26
            scalars.append(Unicode.Scalar(UInt8(65 + remainder)))
            number = (number - 1) / 26
        }
        return String(String.UnicodeScalarView(scalars.reversed()))
    }

    public var description: String { letters }

    public static func < (lhs: SheetColumn, rhs: SheetColumn) -> Bool { lhs.index < rhs.index }
}
