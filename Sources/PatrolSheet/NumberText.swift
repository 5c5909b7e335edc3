import Foundation

/// Numbers as Excel shows them in the General format: integers in full without ".0" or an
/// exponent (a phone number 13800000000 stored as a number comes back as "13800000000"), other
/// values to 15 significant digits, which hides binary noise such as 0.30000000000000004.
enum NumberText {
    static func text(_ raw: String) -> String? {
        let raw = raw.trimmingCharacters(in: .whitespaces)
        // Integer digits as written are kept exactly: openpyxl writes Python ints in full, and an
        // 18-digit number must not lose digits through a Double.
        let digits = raw.hasPrefix("-") ? raw.dropFirst() : raw[...]
        if !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) {
            let trimmed = digits.drop(while: { $0 == "0" })
            if trimmed.isEmpty { return "0" }
            return (raw.hasPrefix("-") ? "-" : "") + trimmed
        }
        guard let value = Double(raw), value.isFinite else { return nil }
        return text(value)
    }

    static func text(_ value: Double) -> String {
        if value == 0 { return "0" }
        let scientific = String(format: "%.14e", value)
        let rounded = Double(scientific) ?? value
        if abs(rounded) >= 1e15 {
            return wholeNumber(scientific: scientific)
        }
        if rounded == rounded.rounded() {
            return String(Int64(rounded))
        }
        // Fixed notation with enough decimals for 15 significant digits, then trailing zeros cut.
        let exponent = Int(floor(log10(abs(rounded))))
        let decimals = max(0, min(340, 14 - exponent))
        var text = String(format: "%.\(decimals)f", rounded)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// Digits of a number of 16 or more digits from its 15-significant-digit form ("1.10101199001011e+17"
    /// → "110101199001011000"), since such numbers are not exact as a Double but Excel shows them so.
    private static func wholeNumber(scientific: String) -> String {
        let parts = scientific.split(separator: "e")
        guard parts.count == 2, let exponent = Int(parts[1]) else { return scientific }
        let negative = parts[0].hasPrefix("-")
        let digits = parts[0].filter(\.isASCIIDigit)
        let whole = digits.count - 1 <= exponent
            ? digits + String(repeating: "0", count: exponent - (digits.count - 1))
            : String(digits.prefix(exponent + 1))
        return (negative ? "-" : "") + whole
    }
}
