/// A header cell's text reduced to what identifies it, so "单位名称", " 单位\n名称 ", "单位名称*"
/// and "单位名称（全称）" / "单位名称(全称)" compare as the sheet's author meant.
///
/// Whitespace of every kind (including the ideographic space and line breaks typed with Alt+Enter)
/// is dropped, full-width ASCII forms become half-width, Latin letters lower case, and a leading or
/// trailing "*" (the usual mark of a required column) is removed.
enum HeaderName {
    static func normalise(_ text: String) -> String {
        var scalars: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace || scalar.value == 0xFEFF { continue }
            var value = scalar.value
            if (0xFF01...0xFF5E).contains(value) { value -= 0xFEE0 }
            guard let folded = Unicode.Scalar(value) else { continue }
            scalars.append(folded)
        }
        var result = String(String.UnicodeScalarView(scalars)).lowercased()
        while result.hasSuffix("*") { result.removeLast() }
        while result.hasPrefix("*") { result.removeFirst() }
        return result
    }
}
