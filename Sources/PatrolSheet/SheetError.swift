import Foundation

/// Why a spreadsheet could not be read. Cases carry the facts (row, column, offset, limit) and no
/// wording: the server turns them into Chinese or English, keyed by `code`, which is stable.
public enum SheetError: Error, Hashable, Sendable {
    /// The file is not a zip archive, so not an xlsx; the signature says what it looks like instead.
    case notAZip(FileSignature)
    /// A zip archive without a workbook (a .docx, or any other zip).
    case notAWorkbook(missingPart: String)
    /// The archive or one of its parts is damaged.
    case corruptArchive(entry: String?)
    case worksheetNotFound(name: String, available: [String])
    /// The workbook holds chart sheets only, or no sheet at all.
    case noWorksheet
    case fileTooLarge(bytes: Int, limit: Int)
    case uncompressedTooLarge(limit: UInt64)
    case tooManyEntries(count: Int, limit: Int)
    case tooManyRows(limit: Int)
    case tooManyColumns(row: Int, column: SheetColumn, limit: Int)
    case badXML(entry: String, line: Int, column: Int)
    /// The part declares a DTD, which no spreadsheet producer writes and which entity expansion abuses.
    case unsafeXML(entry: String)
    /// A cell the XML parsed but whose content makes no sense (a shared string index out of range).
    case invalidCell(entry: String, position: SheetCellPosition)
    /// The text is neither valid UTF-8/UTF-16 nor GB18030; `offset` is the first byte that fails
    /// under `encoding`, the one the file most resembles.
    case undecodableText(offset: Int, encoding: TextEncoding)
    /// This machine cannot decode the encoding (iconv without its GB18030 module).
    case encodingUnavailable(TextEncoding)
    /// The sheet holds no value at all.
    case emptySheet
    /// None of the first rows holds any of the expected header names.
    case headerRowNotFound(searchedRows: Int)
    case writeFailed(entry: String)

    /// A stable identifier for the server's messages and the API's `error.code`.
    public var code: String {
        switch self {
        case .notAZip: "sheet.not_zip"
        case .notAWorkbook: "sheet.not_xlsx"
        case .corruptArchive: "sheet.corrupt_archive"
        case .worksheetNotFound: "sheet.worksheet_not_found"
        case .noWorksheet: "sheet.no_worksheet"
        case .fileTooLarge: "sheet.file_too_large"
        case .uncompressedTooLarge: "sheet.uncompressed_too_large"
        case .tooManyEntries: "sheet.too_many_entries"
        case .tooManyRows: "sheet.too_many_rows"
        case .tooManyColumns: "sheet.too_many_columns"
        case .badXML: "sheet.bad_xml"
        case .unsafeXML: "sheet.unsafe_xml"
        case .invalidCell: "sheet.invalid_cell"
        case .undecodableText: "sheet.undecodable_text"
        case .encodingUnavailable: "sheet.encoding_unavailable"
        case .emptySheet: "sheet.empty"
        case .headerRowNotFound: "sheet.header_not_found"
        case .writeFailed: "sheet.write_failed"
        }
    }
}
