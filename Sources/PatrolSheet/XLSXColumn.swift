/// A column of a written sheet: its header and how it is laid out.
public struct XLSXColumn: Hashable, Sendable {
    public var header: String
    /// Width in Excel's units (the width of a "0"); nil fits the header and values.
    public var width: Double?
    /// Formats the whole column as text ("@"), so what a user types into a template later, such as
    /// a phone number or a code with leading zeros, stays as typed instead of becoming a number.
    public var isText: Bool

    public init(_ header: String, width: Double? = nil, isText: Bool = false) {
        self.header = header
        self.width = width
        self.isText = isText
    }

    /// Width fitting the longest of `texts`: a CJK or full-width character is about two "0"s wide in
    /// the fonts Excel and WPS use for Chinese, anything else one.
    static func fittingWidth(_ texts: some Sequence<String>) -> Double {
        var widest = 0.0
        for text in texts {
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                let width = line.unicodeScalars.reduce(0.0) { $0 + (isWide($1) ? 1.9 : 1.1) }
                widest = max(widest, width)
            }
        }
        return min(60, max(8, (widest + 2).rounded(.up)))
    }

    private static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD: true
        default: false
        }
    }
}
