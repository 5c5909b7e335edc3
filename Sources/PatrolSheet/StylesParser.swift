/// Reads `xl/styles.xml` far enough to know which cell styles (`s=` on a cell) format dates.
final class StylesParser: PartParser {
    private var customFormats: [Int: String] = [:]
    private var formatIDs: [Int] = []
    private var inCellFormats = false

    /// Temporal kind of each cell style index; absent for number styles.
    var temporalStyles: [Int: TemporalFormat] {
        var styles: [Int: TemporalFormat] = [:]
        for (index, id) in formatIDs.enumerated() {
            // A workbook may redefine a built-in id; its own code then wins.
            let kind = customFormats[id].map(TemporalFormat.of(code:)) ?? TemporalFormat.builtIn(id)
            if let kind { styles[index] = kind }
        }
        return styles
    }

    override func didStart(_ name: Substring, attributes: [String: String]) {
        switch name {
        case "numFmt":
            if let id = Self.attribute("numFmtId", in: attributes).flatMap({ Int($0) }),
               let code = Self.attribute("formatCode", in: attributes) {
                customFormats[id] = code
            }
        case "cellXfs":
            inCellFormats = true
        case "xf" where inCellFormats:
            formatIDs.append(Self.attribute("numFmtId", in: attributes).flatMap { Int($0) } ?? 0)
        default:
            break
        }
    }

    override func didEnd(_ name: Substring) {
        if name == "cellXfs" { inCellFormats = false }
    }
}
