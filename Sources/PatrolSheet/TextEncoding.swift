/// The text encodings a CSV from Excel, WPS or LibreOffice arrives in.
public enum TextEncoding: String, Hashable, Sendable {
    case utf8
    case utf16LittleEndian
    case utf16BigEndian
    /// GB18030, the superset of GBK that Excel and WPS on Chinese Windows write as "ANSI".
    case gb18030
}
