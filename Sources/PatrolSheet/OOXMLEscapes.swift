/// Excel writes characters XML cannot carry (a carriage return, other control characters) as
/// `_xHHHH_`; decoding them gives back the text the user typed.
enum OOXMLEscapes {
    static func decode(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        var result = ""
        var scalars = Array(text.unicodeScalars)[...]
        while let first = scalars.first {
            if first == "_", scalars.count >= 7,
               scalars[scalars.startIndex + 1] == "x",
               scalars[scalars.startIndex + 6] == "_",
               let code = UInt32(String(String.UnicodeScalarView(scalars[(scalars.startIndex + 2)..<(scalars.startIndex + 6)])), radix: 16),
               let scalar = Unicode.Scalar(code) {
                result.unicodeScalars.append(scalar)
                scalars = scalars.dropFirst(7)
            } else {
                result.unicodeScalars.append(first)
                scalars = scalars.dropFirst()
            }
        }
        return result
    }

    /// The inverse, for the writer: control characters other than tab and newline become `_xHHHH_`,
    /// and a literal `_xHHHH_` is protected by escaping its underscore, as Excel does.
    static func encode(_ text: String) -> String {
        var result = ""
        let scalars = Array(text.unicodeScalars)
        for (offset, scalar) in scalars.enumerated() {
            if (scalar.value < 0x20 && scalar != "\t" && scalar != "\n") || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                result += "_x" + hex4(scalar.value) + "_"
            } else if scalar == "_", isEscapeAhead(scalars, at: offset) {
                result += "_x005F_"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func isEscapeAhead(_ scalars: [Unicode.Scalar], at offset: Int) -> Bool {
        guard offset + 6 < scalars.count, scalars[offset + 1] == "x", scalars[offset + 6] == "_" else { return false }
        return scalars[(offset + 2)...(offset + 5)].allSatisfy { $0.properties.isASCIIHexDigit }
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
