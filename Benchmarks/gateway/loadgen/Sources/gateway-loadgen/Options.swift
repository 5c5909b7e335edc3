import ArgumentParser
import NIOCore

/// A host and port, written `host:port` or `[v6]:port`.
struct Endpoint: Sendable, CustomStringConvertible {
    var host: String
    var port: Int

    init(parsing text: String) throws {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()), (1...65535).contains(p) else {
                throw ValidationError("expected [host]:port, got \(text)")
            }
            port = p
            return
        }
        guard let colon = text.lastIndex(of: ":"), let p = Int(text[text.index(after: colon)...]),
              (1...65535).contains(p), colon != text.startIndex
        else { throw ValidationError("expected host:port, got \(text)") }
        host = String(text[..<colon])
        port = p
    }

    /// `host:port` as written in a CONNECT request line and a Host header.
    var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    var description: String { authority }
}

/// The raw bytes of an IPv4 or IPv6 literal, or nil for a host name.
func ipAddressBytes(_ host: String) -> [UInt8]? {
    guard let address = try? SocketAddress(ipAddress: host, port: 0) else { return nil }
    switch address {
    case .v4(let v4):
        var a = v4.address.sin_addr
        return withUnsafeBytes(of: &a) { Array($0) }
    case .v6(let v6):
        var a = v6.address.sin6_addr
        return withUnsafeBytes(of: &a) { Array($0) }
    default:
        return nil
    }
}

/// Standard base64 (RFC 4648) with padding.
func base64(_ bytes: [UInt8]) -> String {
    let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var i = 0
    while i + 2 < bytes.count {
        let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
        out += [table[Int(n >> 18 & 63)], table[Int(n >> 12 & 63)], table[Int(n >> 6 & 63)], table[Int(n & 63)]]
        i += 3
    }
    let rest = bytes.count - i
    if rest == 1 {
        let n = UInt32(bytes[i]) << 16
        out += [table[Int(n >> 18 & 63)], table[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
    } else if rest == 2 {
        let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
        out += [table[Int(n >> 18 & 63)], table[Int(n >> 12 & 63)], table[Int(n >> 6 & 63)], UInt8(ascii: "=")]
    }
    return String(decoding: out, as: UTF8.self)
}

/// `x` with exactly `digits` decimals (no Foundation).
func fixed(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return "nan" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let n = Int((abs(x) * scale).rounded())
    let whole = n / Int(scale)
    var frac = String(n % Int(scale))
    while frac.count < digits { frac = "0" + frac }
    let sign = x < 0 && n != 0 ? "-" : ""
    return digits == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(frac)"
}
