import Foundation

/// What a file that is not a zip archive appears to be, judged from its first bytes, so the user can
/// be told what to do ("请另存为 .xlsx") rather than only that the file is wrong.
public enum FileSignature: String, Hashable, Sendable {
    case empty
    /// An OLE compound document: a legacy `.xls`, or an xlsx saved with a password (Excel encrypts
    /// the whole workbook into such a container).
    case compoundDocument
    case pdf
    /// Looks like text, as a CSV renamed to `.xlsx` does.
    case text
    case unknown

    public static func of(_ data: Data) -> FileSignature {
        let head = Array(data.prefix(512))
        if head.isEmpty { return .empty }
        if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return .compoundDocument }
        if head.starts(with: Array("%PDF".utf8)) { return .pdf }
        if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) { return .text }
        let control = head.contains { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D || $0 == 0x7F }
        return control ? .unknown : .text
    }
}
