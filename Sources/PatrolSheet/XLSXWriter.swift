import Foundation
import ZIPFoundation

/// Writes SpreadsheetML workbooks: downloadable import templates and exports.
///
/// Output is deterministic for the same sheets (fixed entry dates, strings in order of first use),
/// so a template downloaded twice is the same file. Tested to open in LibreOffice and openpyxl and to
/// read back through `XLSXReader`.
public struct XLSXWriter: Sendable {
    public var sheets: [XLSXSheet]

    public init(sheets: [XLSXSheet] = []) {
        self.sheets = sheets
    }

    public func write(to url: URL) throws(SheetError) {
        let data = try self.data()
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw .writeFailed(entry: url.lastPathComponent)
        }
    }

    public func data() throws(SheetError) -> Data {
        precondition(!sheets.isEmpty, "a workbook needs at least one sheet")
        var strings = SharedStringTable()
        let names = Self.sheetNames(sheets.map(\.name))
        var parts: [(String, String)] = []
        for (index, sheet) in sheets.enumerated() {
            parts.append(("xl/worksheets/sheet\(index + 1).xml", worksheetXML(sheet, strings: &strings)))
        }
        parts.insert(contentsOf: [
            ("[Content_Types].xml", contentTypesXML()),
            ("_rels/.rels", Self.packageRelationships),
            ("xl/workbook.xml", workbookXML(names: names)),
            ("xl/_rels/workbook.xml.rels", workbookRelationshipsXML()),
            ("xl/styles.xml", Self.stylesXML),
            ("xl/sharedStrings.xml", strings.xml),
        ], at: 0)
        return try Self.zip(parts)
    }

    private static func zip(_ parts: [(String, String)]) throws(SheetError) -> Data {
        // A fixed date keeps the bytes identical from one download to the next.
        let modified = Date(timeIntervalSince1970: 1_577_836_800)
        let archive: Archive
        do {
            archive = try Archive(data: Data(), accessMode: .create)
        } catch {
            throw .writeFailed(entry: "")
        }
        for (path, text) in parts {
            let data = Data(text.utf8)
            do {
                try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count),
                                     modificationDate: modified, compressionMethod: .deflate) { position, size in
                    data.subdata(in: Int(position)..<(Int(position) + size))
                }
            } catch {
                throw .writeFailed(entry: path)
            }
        }
        guard let data = archive.data else { throw .writeFailed(entry: "") }
        return data
    }

    // MARK: Worksheet

    private func worksheetXML(_ sheet: XLSXSheet, strings: inout SharedStringTable) -> String {
        let columnCount = max(sheet.columns.count, sheet.rows.map(\.count).max() ?? 0, 1)
        let headerRow = sheet.headerRowNumber
        let lastRow = headerRow + sheet.rows.count
        let lastColumn = SheetColumn(index: columnCount - 1).letters
        var xml = Self.declaration
        xml += #"<worksheet xmlns="\#(Self.mainNamespace)" xmlns:r="\#(Self.relationshipNamespace)">"#
        xml += #"<dimension ref="A1:\#(lastColumn)\#(lastRow)"/>"#
        xml += #"<sheetViews><sheetView workbookViewId="0">"#
        xml += #"<pane ySplit="\#(headerRow)" topLeftCell="A\#(headerRow + 1)" activePane="bottomLeft" state="frozen"/>"#
        xml += #"<selection pane="bottomLeft" activeCell="A\#(headerRow + 1)" sqref="A\#(headerRow + 1)"/>"#
        xml += "</sheetView></sheetViews>"
        xml += #"<sheetFormatPr defaultRowHeight="15"/>"#
        if !sheet.columns.isEmpty {
            xml += "<cols>"
            for (index, column) in sheet.columns.enumerated() {
                let width = column.width ?? XLSXColumn.fittingWidth(
                    [column.header] + sheet.rows.prefix(1000).map { index < $0.count ? $0[index].displayText : "" })
                let style = column.isText ? #" style="\#(Style.text)""# : ""
                xml += #"<col min="\#(index + 1)" max="\#(index + 1)" width="\#(width)" customWidth="1"\#(style)/>"#
            }
            xml += "</cols>"
        }
        xml += "<sheetData>"
        if let title = sheet.title {
            xml += #"<row r="1" ht="24" customHeight="1"><c r="A1" s="\#(Style.title)" t="s"><v>\#(strings.index(of: title))</v></c></row>"#
        }
        xml += #"<row r="\#(headerRow)">"#
        for (index, column) in sheet.columns.enumerated() {
            let reference = "\(SheetColumn(index: index).letters)\(headerRow)"
            xml += #"<c r="\#(reference)" s="\#(Style.header)" t="s"><v>\#(strings.index(of: column.header))</v></c>"#
        }
        xml += "</row>"
        for (offset, row) in sheet.rows.enumerated() {
            let number = headerRow + 1 + offset
            xml += #"<row r="\#(number)">"#
            for (index, cell) in row.enumerated() {
                let isTextColumn = index < sheet.columns.count && sheet.columns[index].isText
                xml += cellXML(cell, reference: "\(SheetColumn(index: index).letters)\(number)",
                               textStyle: isTextColumn, strings: &strings)
            }
            xml += "</row>"
        }
        xml += "</sheetData>"
        if sheet.title != nil, columnCount > 1 {
            xml += #"<mergeCells count="1"><mergeCell ref="A1:\#(lastColumn)1"/></mergeCells>"#
        }
        xml += #"<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>"#
        xml += "</worksheet>"
        return xml
    }

    private func cellXML(_ cell: XLSXCell, reference: String, textStyle: Bool,
                         strings: inout SharedStringTable) -> String {
        switch cell {
        case .empty:
            return ""
        case .text(let text):
            guard !text.isEmpty else { return "" }
            let style = textStyle ? #" s="\#(Style.text)""# : ""
            return #"<c r="\#(reference)"\#(style) t="s"><v>\#(strings.index(of: text))</v></c>"#
        case .integer(let value):
            return #"<c r="\#(reference)"><v>\#(value)</v></c>"#
        case .number(let value):
            guard value.isFinite else { return "" }
            let text = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
            return #"<c r="\#(reference)"><v>\#(text)</v></c>"#
        case .date(let year, let month, let day):
            let serial = SerialDate.serial(year: year, month: month, day: day)
            return #"<c r="\#(reference)" s="\#(Style.date)"><v>\#(serial)</v></c>"#
        case .dateTime(let date, let timeZone):
            let local = date.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: date))
            let seconds = local.rounded()
            let days = (seconds / 86_400).rounded(.down)
            let serial = days + 25_569 + (seconds - days * 86_400) / 86_400
            return #"<c r="\#(reference)" s="\#(Style.dateTime)"><v>\#(serial)</v></c>"#
        }
    }

    // MARK: Workbook parts

    /// Tab names Excel accepts: no `[]:*?/\`, at most 31 characters, not empty, unique.
    static func sheetNames(_ wanted: [String]) -> [String] {
        var used: Set<String> = []
        return wanted.enumerated().map { offset, name in
            var cleaned = String(name.map { "[]:*?/\\".contains($0) ? "_" : $0 }).trimmingWhitespace
            if cleaned.isEmpty { cleaned = "Sheet\(offset + 1)" }
            cleaned = String(cleaned.prefix(31))
            var candidate = cleaned
            var counter = 2
            while used.contains(candidate.lowercased()) {
                let suffix = " (\(counter))"
                candidate = String(cleaned.prefix(31 - suffix.count)) + suffix
                counter += 1
            }
            used.insert(candidate.lowercased())
            return candidate
        }
    }

    private func workbookXML(names: [String]) -> String {
        var xml = Self.declaration
        xml += #"<workbook xmlns="\#(Self.mainNamespace)" xmlns:r="\#(Self.relationshipNamespace)">"#
        xml += #"<bookViews><workbookView activeTab="0"/></bookViews><sheets>"#
        for (index, name) in names.enumerated() {
            xml += #"<sheet name="\#(XMLText.escape(name))" sheetId="\#(index + 1)" r:id="rId\#(index + 1)"/>"#
        }
        xml += "</sheets></workbook>"
        return xml
    }

    private func workbookRelationshipsXML() -> String {
        let base = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        var xml = Self.declaration + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        for index in sheets.indices {
            xml += #"<Relationship Id="rId\#(index + 1)" Type="\#(base)/worksheet" Target="worksheets/sheet\#(index + 1).xml"/>"#
        }
        xml += #"<Relationship Id="rId\#(sheets.count + 1)" Type="\#(base)/styles" Target="styles.xml"/>"#
        xml += #"<Relationship Id="rId\#(sheets.count + 2)" Type="\#(base)/sharedStrings" Target="sharedStrings.xml"/>"#
        xml += "</Relationships>"
        return xml
    }

    private func contentTypesXML() -> String {
        let type = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        var xml = Self.declaration + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
        xml += #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
        xml += #"<Default Extension="xml" ContentType="application/xml"/>"#
        xml += #"<Override PartName="/xl/workbook.xml" ContentType="\#(type).sheet.main+xml"/>"#
        for index in sheets.indices {
            xml += #"<Override PartName="/xl/worksheets/sheet\#(index + 1).xml" ContentType="\#(type).worksheet+xml"/>"#
        }
        xml += #"<Override PartName="/xl/styles.xml" ContentType="\#(type).styles+xml"/>"#
        xml += #"<Override PartName="/xl/sharedStrings.xml" ContentType="\#(type).sharedStrings+xml"/>"#
        xml += "</Types>"
        return xml
    }

    private static let declaration = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
    private static let mainNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    private static let relationshipNamespace = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    private static let packageRelationships = declaration
        + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        + #"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#
        + "</Relationships>"

    /// Indexes into `cellXfs` below.
    private enum Style {
        static let header = 1
        static let title = 2
        static let date = 3
        static let dateTime = 4
        static let text = 5
    }

    // 等线 is the default Chinese font of Excel since 2016; WPS and LibreOffice substitute their own.
    private static let stylesXML = declaration
        + #"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
        + #"<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>"#
        + #"<fonts count="3">"#
        + #"<font><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font>"#
        + #"<font><b/><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font>"#
        + #"<font><b/><sz val="14"/><name val="等线"/><family val="2"/><charset val="134"/></font>"#
        + "</fonts>"
        + #"<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>"#
        + #"<fill><patternFill patternType="solid"><fgColor rgb="FFD9E1F2"/><bgColor indexed="64"/></patternFill></fill></fills>"#
        + #"<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>"#
        + #"<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right><top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders>"#
        + #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
        + #"<cellXfs count="6">"#
        + #"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
        + #"<xf numFmtId="49" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>"#
        + #"<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1"><alignment horizontal="center" vertical="center"/></xf>"#
        + #"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + "</cellXfs>"
        + #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#
        + "</styleSheet>"
}
