import Foundation
import PatrolSheet

/// An uploaded list, read as a table whatever it is: an .xlsx (Excel, WPS, LibreOffice) by its zip
/// signature, anything else as CSV in UTF-8, UTF-16 or GBK. Judged by content, not by the name,
/// so a CSV renamed .xlsx is read as the CSV it is and an .xls is refused with what it is.
enum ImportFile {
    /// The largest upload taken (the 2022 list is 8 KB; a province's 2,000 units with liaisons ~1 MB).
    static let maxBytes = 10 << 20

    static func table(_ data: Data, filename: String?) throws(SheetError) -> SheetTable {
        let limits = SheetLimits(maxFileBytes: maxBytes)
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return try XLSXReader(limits: limits).read(data) }
        let name = filename?.lowercased() ?? ""
        if name.hasSuffix(".xlsx") || name.hasSuffix(".xls") || name.hasSuffix(".et") {
            // Named a workbook but not a zip: say what it is (an .xls, a PDF, a renamed CSV is read below).
            let signature = FileSignature.of(data)
            if signature != .text { throw .notAZip(signature) }
        }
        return try CSVSheetReader(limits: limits).read(data)
    }
}
