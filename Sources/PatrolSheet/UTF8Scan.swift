/// One pass over bytes judging them as UTF-8: where the first malformed sequence starts, and how
/// many well-formed multi-byte and malformed sequences there are, for telling a damaged UTF-8 file
/// from a GBK one.
struct UTF8Scan {
    private(set) var firstInvalidOffset: Int?
    private(set) var validMultiByteSequences = 0
    private(set) var invalidSequences = 0

    init(_ bytes: [UInt8]) {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 { index += 1; continue }
            let length = Self.sequenceLength(bytes, at: index)
            if length > 0 {
                validMultiByteSequences += 1
                index += length
            } else {
                invalidSequences += 1
                if firstInvalidOffset == nil { firstInvalidOffset = index }
                index += 1
            }
        }
    }

    /// Length of the well-formed sequence at `index` (Unicode table 3-7), or 0.
    private static func sequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let (length, secondRange): (Int, ClosedRange<UInt8>)
        switch lead {
        case 0xC2...0xDF: (length, secondRange) = (2, 0x80...0xBF)
        case 0xE0: (length, secondRange) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, secondRange) = (3, 0x80...0xBF)
        case 0xED: (length, secondRange) = (3, 0x80...0x9F)
        case 0xF0: (length, secondRange) = (4, 0x90...0xBF)
        case 0xF1...0xF3: (length, secondRange) = (4, 0x80...0xBF)
        case 0xF4: (length, secondRange) = (4, 0x80...0x8F)
        default: return 0
        }
        guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else { return 0 }
        for offset in 2..<max(2, length) where !(0x80...0xBF).contains(bytes[index + offset]) {
            return 0
        }
        return length
    }
}
