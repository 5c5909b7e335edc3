import CSV
import Foundation

/// Reads a CSV file into a `SheetTable`, decoding it first with `CSVTextDecoder`.
///
/// Row numbers count records, so a quoted field spanning lines is one row, numbered as Excel and WPS
/// number it when the user opens the file to correct it.
public struct CSVSheetReader: Sendable {
    public var limits: SheetLimits
    /// The field separator; nil picks tab when the first line has more tabs than commas (Excel's
    /// "Unicode text" export is tab-separated UTF-16), comma otherwise.
    public var delimiter: Unicode.Scalar?

    public init(limits: SheetLimits = SheetLimits(), delimiter: Unicode.Scalar? = nil) {
        self.limits = limits
        self.delimiter = delimiter
    }

    public func read(_ data: Data) throws(SheetError) -> SheetTable {
        guard data.count <= limits.maxFileBytes else {
            throw .fileTooLarge(bytes: data.count, limit: limits.maxFileBytes)
        }
        let (text, encoding) = try CSVTextDecoder().decode(data)
        let separator = delimiter ?? Self.guessDelimiter(text)
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: false, trimFields: false, delimiter: separator)
        } catch {
            throw .undecodableText(offset: 0, encoding: encoding)
        }
        var rows: [SheetRow] = []
        var number = 0
        while let record = reader.next() {
            number += 1
            let row = SheetRow(number: number, values: record)
            guard !row.cells.isEmpty else { continue }
            guard row.cells.count <= limits.maxColumns else {
                throw .tooManyColumns(row: number, column: SheetColumn(index: limits.maxColumns), limit: limits.maxColumns)
            }
            guard rows.count < limits.maxRows else { throw .tooManyRows(limit: limits.maxRows) }
            rows.append(row)
        }
        return SheetTable(source: .csv(encoding: encoding), rows: rows)
    }

    private static func guessDelimiter(_ text: String) -> Unicode.Scalar {
        var tabs = 0, commas = 0
        for scalar in text.unicodeScalars {
            if scalar == "\n" { break }
            if scalar == "\t" { tabs += 1 } else if scalar == "," { commas += 1 }
        }
        return tabs > commas ? "\t" : ","
    }
}
