import Foundation

/// Turns the bytes of a CSV into text, choosing the encoding the way a person would.
///
/// A byte-order mark decides (UTF-8, UTF-16 LE/BE). Without one, valid UTF-8 is UTF-8; anything else
/// is taken for GB18030, which is what Excel and WPS on Chinese Windows write when asked for a plain
/// "CSV (逗号分隔)". The one thing never done is to read such a file as UTF-8 with replacement
/// characters: undecodable bytes are an error naming their offset.
public struct CSVTextDecoder: Sendable {
    public init() {}

    public func decode(_ data: Data) throws(SheetError) -> (text: String, encoding: TextEncoding) {
        let bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            let body = Array(bytes.dropFirst(3))
            let scan = UTF8Scan(body)
            if let offset = scan.firstInvalidOffset { throw .undecodableText(offset: offset + 3, encoding: .utf8) }
            return (String(decoding: body, as: UTF8.self), .utf8)
        }
        if bytes.starts(with: [0xFF, 0xFE]) {
            return (try decodeUTF16(bytes, littleEndian: true), .utf16LittleEndian)
        }
        if bytes.starts(with: [0xFE, 0xFF]) {
            return (try decodeUTF16(bytes, littleEndian: false), .utf16BigEndian)
        }
        let scan = UTF8Scan(bytes)
        guard let firstInvalid = scan.firstInvalidOffset else {
            return (String(decoding: bytes, as: UTF8.self), .utf8)
        }
        // Mostly well-formed multi-byte UTF-8 with a few bad bytes is a damaged UTF-8 file; GBK text
        // almost never forms valid UTF-8 sequences, so it fails far more often than it passes.
        if scan.validMultiByteSequences > scan.invalidSequences {
            throw .undecodableText(offset: firstInvalid, encoding: .utf8)
        }
        do {
            return (try GB18030Decoder.decode(bytes), .gb18030)
        } catch .invalid(let offset) {
            throw .undecodableText(offset: offset, encoding: .gb18030)
        } catch {
            throw .encodingUnavailable(.gb18030)
        }
    }

    private func decodeUTF16(_ bytes: [UInt8], littleEndian: Bool) throws(SheetError) -> String {
        let encoding: TextEncoding = littleEndian ? .utf16LittleEndian : .utf16BigEndian
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var offset = 2
        while offset + 1 < bytes.count {
            let (low, high) = littleEndian ? (bytes[offset], bytes[offset + 1]) : (bytes[offset + 1], bytes[offset])
            units.append(UInt16(high) << 8 | UInt16(low))
            offset += 2
        }
        if offset < bytes.count { throw .undecodableText(offset: offset, encoding: encoding) }
        var index = 0
        while index < units.count {
            let unit = units[index]
            if UTF16.isLeadSurrogate(unit) {
                guard index + 1 < units.count, UTF16.isTrailSurrogate(units[index + 1]) else {
                    throw .undecodableText(offset: 2 + index * 2, encoding: encoding)
                }
                index += 2
            } else if UTF16.isTrailSurrogate(unit) {
                throw .undecodableText(offset: 2 + index * 2, encoding: encoding)
            } else {
                index += 1
            }
        }
        return String(decoding: units, as: UTF16.self)
    }
}
