/// Column width of text in a terminal: East Asian wide and fullwidth characters take two columns
/// (Unicode UAX #11), combining marks none, everything else one. Hand-written because no package on
/// this machine provides wcwidth; the ranges cover CJK, Hangul, fullwidth forms and CJK punctuation.
public enum TerminalWidth {
    public static func of(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + width($1) }
    }

    public static func width(_ s: Unicode.Scalar) -> Int {
        let v = s.value
        if v == 0 || (0x0300...0x036F).contains(v) || (0x200B...0x200F).contains(v) || v == 0xFE0F { return 0 }
        if (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
            || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
            || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
            || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v) {
            return 2
        }
        return 1
    }

    /// `text` padded with spaces to `columns`, on the right (`leading: false`) or the left.
    public static func pad(_ text: String, to columns: Int, leading: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, columns - of(text)))
        return leading ? fill + text : text + fill
    }
}
