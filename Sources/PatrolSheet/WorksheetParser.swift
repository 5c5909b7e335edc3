/// Streams a worksheet part (`xl/worksheets/sheetN.xml`) into rows of text, one cell at a time.
///
/// Cells and rows without an `r=` reference take the next position, as Excel's own reader does
/// (some generators omit them). Only values count: formatted empty cells and rows, which Excel writes
/// out to column XFD or row 1048576 when a whole column is formatted, neither count against the
/// limits nor appear in the table.
final class WorksheetParser: PartParser {
    private let sharedStrings: [String]
    private let temporalStyles: [Int: TemporalFormat]
    private let date1904: Bool
    private let limits: SheetLimits

    private(set) var rows: [SheetRow] = []
    private(set) var mergedRanges: [SheetRange] = []

    private var inSheetData = false
    private var rowNumber = 0
    private var rowValues: [String] = []
    private var nextColumn = 0

    private struct OpenCell {
        var column: Int
        var type: String
        var style: Int?
        var value = ""
        var inlineText = ""
    }
    private var cell: OpenCell?
    private var inValue = false
    private var inInlineString = false
    private var inInlineText = false
    private var phoneticDepth = 0

    init(entry: String, sharedStrings: [String], temporalStyles: [Int: TemporalFormat],
         date1904: Bool, limits: SheetLimits) {
        self.sharedStrings = sharedStrings
        self.temporalStyles = temporalStyles
        self.date1904 = date1904
        self.limits = limits
        super.init(entry: entry)
    }

    override func didStart(_ name: Substring, attributes: [String: String]) {
        switch name {
        case "sheetData":
            inSheetData = true
        case "row" where inSheetData:
            rowNumber = Self.attribute("r", in: attributes).flatMap { Int($0) } ?? rowNumber + 1
            rowValues = []
            nextColumn = 0
        case "c" where inSheetData:
            var column = nextColumn
            if let reference = Self.attribute("r", in: attributes) {
                if let position = SheetCellPosition(reference: reference) {
                    column = position.column.index
                } else if let letters = SheetColumn(letters: reference.prefix(while: { !$0.isASCIIDigit })) {
                    column = letters.index
                }
            }
            nextColumn = column + 1
            cell = OpenCell(column: column, type: Self.attribute("t", in: attributes) ?? "n",
                            style: Self.attribute("s", in: attributes).flatMap { Int($0) })
        case "v" where cell != nil:
            inValue = true
        case "is" where cell != nil:
            inInlineString = true
        case "t" where inInlineString:
            inInlineText = phoneticDepth == 0
        case "rPh" where inInlineString:
            phoneticDepth += 1
        case "mergeCell":
            if let reference = Self.attribute("ref", in: attributes), let range = SheetRange(reference: reference) {
                mergedRanges.append(range)
            }
        default:
            break
        }
    }

    override func didEnd(_ name: Substring) {
        switch name {
        case "sheetData":
            inSheetData = false
        case "row" where inSheetData:
            endRow()
        case "c" where cell != nil:
            endCell()
        case "v":
            inValue = false
        case "is":
            inInlineString = false
        case "t":
            inInlineText = false
        case "rPh" where inInlineString:
            phoneticDepth -= 1
        default:
            break
        }
    }

    override func foundText(_ text: String) {
        if inValue {
            cell?.value += text
        } else if inInlineText {
            cell?.inlineText += text
        }
    }

    private func endCell() {
        guard let open = cell else { return }
        cell = nil
        let position = SheetCellPosition(row: max(rowNumber, 1), column: SheetColumn(index: open.column))
        let value: String
        switch open.type {
        case "s":
            guard let index = Int(open.value.trimmingWhitespace), sharedStrings.indices.contains(index) else {
                if open.value.isEmpty { return }
                return fail(.invalidCell(entry: entry, position: position))
            }
            value = sharedStrings[index]
        case "inlineStr":
            value = OOXMLEscapes.decode(open.inlineText)
        case "str", "e":
            value = OOXMLEscapes.decode(open.value)
        case "b":
            value = open.value.isEmpty ? "" : (open.value.trimmingWhitespace == "0" ? "FALSE" : "TRUE")
        case "d":
            value = open.value.trimmingWhitespace
        default:
            let raw = open.value.trimmingWhitespace
            guard !raw.isEmpty else { return }
            if let style = open.style, let format = temporalStyles[style], let serial = Double(raw),
               let date = SerialDate.text(serial: serial, format: format, date1904: date1904) {
                value = date
            } else if let number = NumberText.text(raw) {
                value = number
            } else {
                return fail(.invalidCell(entry: entry, position: position))
            }
        }
        guard !value.isEmpty else { return }
        guard open.column < limits.maxColumns else {
            return fail(.tooManyColumns(row: position.row, column: position.column, limit: limits.maxColumns))
        }
        if rowValues.count <= open.column {
            rowValues += Array(repeating: "", count: open.column + 1 - rowValues.count)
        }
        rowValues[open.column] = value
    }

    private func endRow() {
        guard rowValues.contains(where: { !$0.isEmpty }) else { return }
        guard rows.count < limits.maxRows else { return fail(.tooManyRows(limit: limits.maxRows)) }
        rows.append(SheetRow(number: max(rowNumber, 1), values: rowValues))
        rowValues = []
    }
}

extension String {
    var trimmingWhitespace: String {
        var scalars = unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
