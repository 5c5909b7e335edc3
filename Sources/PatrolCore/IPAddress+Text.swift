/// Reading and writing addresses as text. Parsing is strict because a lenient parser is how scope
/// checks get bypassed: `010.0.0.1` means 8.0.0.1 to some C libraries and 10.0.0.1 to others, and a
/// zone id (`fe80::1%eth0`) names an interface, not a host.
extension IPAddress {
    /// Dotted IPv4 (exactly four decimal parts of at most three digits, 0…255, no leading zeros) or
    /// IPv6 (RFC 4291 text, `::`, an IPv4 tail such as `::ffff:192.0.2.1`, upper or lower case),
    /// optionally in brackets (`[::1]`). Nil for anything else, including zone ids and whitespace.
    public init?(_ text: String) {
        var text = text
        guard let address = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = address
    }

    /// Canonical text: dotted IPv4, or IPv6 per RFC 5952 (lowercase, no leading zeros, the longest
    /// run of two or more zero groups — the first one on a tie — written `::`, and IPv4-mapped
    /// addresses as `::ffff:a.b.c.d`).
    public var description: String {
        switch self {
        case .v4(let a):
            return "\(a >> 24).\(a >> 16 & 0xff).\(a >> 8 & 0xff).\(a & 0xff)"
        case .v6(let hi, let lo):
            if hi == 0, lo >> 32 == 0xffff { return "::ffff:" + IPAddress.v4(UInt32(truncatingIfNeeded: lo)).description }
            let groups = (0..<8).map { UInt16(truncatingIfNeeded: ($0 < 4 ? hi : lo) >> (48 - 16 * ($0 % 4))) }
            var bestStart = -1, bestLength = 1, runStart = -1
            for (i, g) in groups.enumerated() {
                if g == 0 {
                    if runStart < 0 { runStart = i }
                    if i - runStart + 1 > bestLength { bestStart = runStart; bestLength = i - runStart + 1 }
                } else {
                    runStart = -1
                }
            }
            guard bestStart >= 0 else { return groups.map { String($0, radix: 16) }.joined(separator: ":") }
            let head = groups[..<bestStart].map { String($0, radix: 16) }.joined(separator: ":")
            let tail = groups[(bestStart + bestLength)...].map { String($0, radix: 16) }.joined(separator: ":")
            return head + "::" + tail
        }
    }

    private static func parse(_ b: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        if b.count >= 2, b[0] == UInt8(ascii: "[") {
            guard b[b.count - 1] == UInt8(ascii: "]") else { return nil }
            return parseV6(b, from: 1, to: b.count - 1)
        }
        if let a = parseV4(b, from: 0, to: b.count) { return .v4(a) }
        return parseV6(b, from: 0, to: b.count)
    }

    private static func parseV4(_ b: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) -> UInt32? {
        var value: UInt32 = 0, i = from
        for part in 0..<4 {
            if part > 0 {
                guard i < end, b[i] == UInt8(ascii: ".") else { return nil }
                i += 1
            }
            let start = i
            var n: UInt32 = 0
            while i < end, i - start < 4, let d = decimal(b[i]) {
                n = n * 10 + d
                i += 1
            }
            let digits = i - start
            guard (1...3).contains(digits), n <= 255, digits == 1 || b[start] != UInt8(ascii: "0") else { return nil }
            value = value << 8 | n
        }
        return i == end ? value : nil
    }

    private static func parseV6(_ b: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) -> IPAddress? {
        // Names are by far the most common input; refuse them before allocating the group list.
        guard b[from..<end].contains(UInt8(ascii: ":")) else { return nil }
        var groups: [UInt16] = []
        groups.reserveCapacity(8)
        var gap: Int?
        var i = from
        if end - i >= 2, b[i] == UInt8(ascii: ":"), b[i + 1] == UInt8(ascii: ":") {
            gap = 0
            i += 2
        }
        while i < end {
            let start = i
            var n: UInt32 = 0
            while i < end, let h = hex(b[i]) {
                guard i - start < 4 else { return nil }
                n = n << 4 | h
                i += 1
            }
            if i < end, b[i] == UInt8(ascii: ".") {
                guard groups.count <= 6, let a = parseV4(b, from: start, to: end) else { return nil }
                groups.append(UInt16(truncatingIfNeeded: a >> 16))
                groups.append(UInt16(truncatingIfNeeded: a))
                break
            }
            guard i > start, groups.count < 8 else { return nil }
            groups.append(UInt16(n))
            if i == end { break }
            guard b[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            if i < end, b[i] == UInt8(ascii: ":") {
                guard gap == nil else { return nil }
                gap = groups.count
                i += 1
            } else if i == end {
                return nil
            }
        }
        if gap == nil ? groups.count != 8 : groups.count > 7 { return nil }
        var hi: UInt64 = 0, lo: UInt64 = 0, slot = 0
        for (index, g) in groups.enumerated() {
            if index == gap { slot += 8 - groups.count }
            if slot < 4 { hi |= UInt64(g) << (48 - 16 * slot) } else { lo |= UInt64(g) << (48 - 16 * (slot - 4)) }
            slot += 1
        }
        return .v6(hi, lo)
    }

    private static func decimal(_ c: UInt8) -> UInt32? {
        c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") ? UInt32(c - UInt8(ascii: "0")) : nil
    }

    private static func hex(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(c - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
