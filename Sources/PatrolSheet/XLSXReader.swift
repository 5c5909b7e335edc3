import Foundation

/// Reads one worksheet of an `.xlsx` workbook (Excel, WPS, LibreOffice, openpyxl) into a `SheetTable`.
///
/// Parts are streamed through a SAX parser, never built into a document tree; the largest thing held
/// is one inflated part, bounded by `SheetLimits.maxUncompressedBytes`. Reading is synchronous and
/// CPU-bound: call it off the event loop (a thread pool), not on it.
public struct XLSXReader: Sendable {
    public var limits: SheetLimits

    public init(limits: SheetLimits = SheetLimits()) {
        self.limits = limits
    }

    public func read(_ data: Data, sheet selection: WorksheetSelection = .first) throws(SheetError) -> SheetTable {
        let archive = try WorkbookArchive(data: data, limits: limits)
        let workbookPart = try workbookPartName(in: archive)
        guard let workbookData = try archive.read(workbookPart) else {
            throw .notAWorkbook(missingPart: workbookPart)
        }
        let workbook = WorkbookParser(entry: workbookPart)
        try workbook.parse(workbookData)

        let relationshipsPart = PartPath.relationships(of: workbookPart)
        let relationships = RelationshipsParser(entry: relationshipsPart, sourcePart: workbookPart)
        if let data = try archive.read(relationshipsPart) {
            try relationships.parse(data)
        }

        let worksheets = workbook.sheets.compactMap { sheet -> (WorkbookParser.Sheet, String)? in
            guard let relationship = relationships.relationships[sheet.relationshipID],
                  relationship.type.hasSuffix("/worksheet"), archive.contains(relationship.target)
            else { return nil }
            return (sheet, relationship.target)
        }
        let chosen: (WorkbookParser.Sheet, String)?
        switch selection {
        case .first:
            chosen = worksheets.first { !$0.0.isHidden } ?? worksheets.first
            guard chosen != nil else { throw .noWorksheet }
        case .named(let name):
            let wanted = name.trimmingWhitespace
            chosen = worksheets.first { $0.0.name.trimmingWhitespace == wanted }
            guard chosen != nil else {
                throw .worksheetNotFound(name: name, available: worksheets.map(\.0.name))
            }
        }
        let (sheet, sheetPart) = chosen!

        let sharedStrings = try self.sharedStrings(in: archive, relationships: relationships, workbookPart: workbookPart)
        let temporalStyles = try self.temporalStyles(in: archive, relationships: relationships, workbookPart: workbookPart)
        guard let sheetData = try archive.read(sheetPart) else { throw .corruptArchive(entry: sheetPart) }
        let parser = WorksheetParser(entry: sheetPart, sharedStrings: sharedStrings, temporalStyles: temporalStyles,
                                     date1904: workbook.usesDate1904, limits: limits)
        try parser.parse(sheetData)
        // Rows are written in order by every producer seen; sorting keeps the table's promise anyway.
        var rows = parser.rows
        if !zip(rows, rows.dropFirst()).allSatisfy({ $0.number < $1.number }) {
            rows.sort { $0.number < $1.number }
        }
        return SheetTable(source: .workbook(sheetName: sheet.name), rows: rows, mergedRanges: parser.mergedRanges)
    }

    /// The workbook part named by the package relationships, `xl/workbook.xml` in every producer seen.
    private func workbookPartName(in archive: WorkbookArchive) throws(SheetError) -> String {
        let fallback = "xl/workbook.xml"
        guard let data = try archive.read("_rels/.rels") else {
            if archive.contains(fallback) { return fallback }
            throw .notAWorkbook(missingPart: fallback)
        }
        let relationships = RelationshipsParser(entry: "_rels/.rels", sourcePart: "")
        try relationships.parse(data)
        if let target = relationships.target(ofType: "officeDocument"), archive.contains(target) {
            return target
        }
        if archive.contains(fallback) { return fallback }
        throw .notAWorkbook(missingPart: fallback)
    }

    private func sharedStrings(in archive: WorkbookArchive, relationships: RelationshipsParser,
                               workbookPart: String) throws(SheetError) -> [String] {
        let part = relationships.target(ofType: "sharedStrings") ?? PartPath.resolve("sharedStrings.xml", from: workbookPart)
        guard let data = try archive.read(part) else { return [] }
        let parser = SharedStringsParser(entry: part)
        try parser.parse(data)
        return parser.strings
    }

    private func temporalStyles(in archive: WorkbookArchive, relationships: RelationshipsParser,
                                workbookPart: String) throws(SheetError) -> [Int: TemporalFormat] {
        let part = relationships.target(ofType: "styles") ?? PartPath.resolve("styles.xml", from: workbookPart)
        guard let data = try archive.read(part) else { return [:] }
        let parser = StylesParser(entry: part)
        try parser.parse(data)
        return parser.temporalStyles
    }
}
