/// Decides what an uploaded file is from its first bytes, never from its name (SPEC §1: uploads are
/// never executed or served inline). Only these kinds are accepted as evidence or attachments.
/// Hand-written: the magic numbers are short and fixed, and no package here offers a sniffer.
public enum ContentSniffer {
    public struct Kind: Sendable, Equatable {
        public var mimeType: String
        public var fileExtension: String
        /// Pages may show it in an <img> (still served as an attachment).
        public var isImage: Bool
    }

    public static let png = Kind(mimeType: "image/png", fileExtension: "png", isImage: true)
    public static let jpeg = Kind(mimeType: "image/jpeg", fileExtension: "jpg", isImage: true)
    public static let gif = Kind(mimeType: "image/gif", fileExtension: "gif", isImage: true)
    public static let webp = Kind(mimeType: "image/webp", fileExtension: "webp", isImage: true)
    public static let pdf = Kind(mimeType: "application/pdf", fileExtension: "pdf", isImage: false)
    public static let zip = Kind(mimeType: "application/zip", fileExtension: "zip", isImage: false)
    public static let text = Kind(mimeType: "text/plain; charset=utf-8", fileExtension: "txt", isImage: false)

    /// The kind of `bytes`, or nil when it is none of the accepted kinds (executables, scripts in
    /// binary form, archives other than zip, anything unrecognised).
    public static func sniff(_ bytes: some Collection<UInt8>) -> Kind? {
        let head = Array(bytes.prefix(16))
        func starts(_ magic: [UInt8]) -> Bool { head.count >= magic.count && Array(head.prefix(magic.count)) == magic }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return png }
        if starts([0xFF, 0xD8, 0xFF]) { return jpeg }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return gif }
        if starts(Array("RIFF".utf8)), head.count >= 12, Array(head[8..<12]) == Array("WEBP".utf8) { return webp }
        if starts(Array("%PDF-".utf8)) { return pdf }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return zip }
        // Text: valid UTF-8 with no NUL or other binary control bytes in the first 8 KiB.
        let sample = Array(bytes.prefix(8192))
        guard !sample.isEmpty else { return nil }
        let allowedControls: Set<UInt8> = [0x09, 0x0A, 0x0D, 0x0C]
        if sample.contains(where: { $0 < 0x20 && !allowedControls.contains($0) }) || sample.contains(0x7F) { return nil }
        var trimmed = sample[...]
        // A sample cut inside a multi-byte character is still text.
        for _ in 0..<3 where String(validating: trimmed, as: UTF8.self) == nil && !trimmed.isEmpty { trimmed = trimmed.dropLast() }
        return String(validating: trimmed, as: UTF8.self) != nil ? text : nil
    }
}
