import PatrolSheet
import Vapor

extension PatrolError {
    /// A file that could not be read as a list, in the reader's language (`error.sheet.*`), with
    /// the facts that let them fix it: the row, the column, the byte, what the file looks like.
    static func sheet(_ error: SheetError) -> PatrolError {
        var values: [String: String] = [:], keys: [String: String] = [:]
        switch error {
        case .notAZip(let signature): keys["looksLike"] = "sheet.signature.\(signature.rawValue)"
        case .notAWorkbook(let part): values["part"] = part
        case .corruptArchive(let entry): values["entry"] = entry ?? ""
        case .worksheetNotFound(let name, let available):
            values["name"] = name; values["available"] = available.joined(separator: "、")
        case .noWorksheet, .emptySheet: break
        case .fileTooLarge(let bytes, let limit): values["size"] = Self.megabytes(bytes); values["limit"] = Self.megabytes(limit)
        case .uncompressedTooLarge(let limit): values["limit"] = Self.megabytes(Int(clamping: limit))
        case .tooManyEntries(_, let limit): values["limit"] = "\(limit)"
        case .tooManyRows(let limit): values["limit"] = "\(limit)"
        case .tooManyColumns(let row, let column, let limit): values["row"] = "\(row)"; values["column"] = column.description; values["limit"] = "\(limit)"
        case .badXML(let entry, let line, _): values["entry"] = entry; values["line"] = "\(line)"
        case .unsafeXML(let entry): values["entry"] = entry
        case .invalidCell(_, let position): values["cell"] = position.description
        case .undecodableText(let offset, let encoding): values["offset"] = "\(offset)"; keys["encoding"] = "sheet.encoding.\(encoding.rawValue)"
        case .encodingUnavailable(let encoding): keys["encoding"] = "sheet.encoding.\(encoding.rawValue)"
        case .headerRowNotFound(let rows): values["rows"] = "\(rows)"
        case .writeFailed(let entry): values["entry"] = entry
        }
        var patrolError = PatrolError.invalid("error." + error.code, values, keys: keys)
        patrolError.code = error.code
        return patrolError
    }

    private static func megabytes(_ bytes: Int) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }
}
