import Foundation
import NIOHTTP1

extension HTTPProxyHandler {
    /// Removes the hop-by-hop headers (RFC 9110 §7.6.1) and those the Connection header names. One
    /// pass to look, then one in-place removal per name found and present (usually one:
    /// Proxy-Authorization on a request, Connection on a response).
    static func stripHopByHop(_ headers: inout HTTPHeaders) {
        var found: [String] = []
        func note<S: StringProtocol>(_ name: S) {
            if !name.isEmpty && !found.contains(where: { asciiCaseInsensitiveEquals($0, name) }) { found.append(String(name)) }
        }
        for (name, value) in headers where isHopByHop(name) {
            note(name)
            guard asciiCaseInsensitiveEquals(name, "connection") else { continue }
            forEachListedName(in: value, note)
        }
        for name in found where headers.contains(name: name) { headers.remove(name: name) }
    }

    /// The names a Connection header lists: comma-separated, each up to its first blank.
    static func forEachListedName(in value: String, _ body: (Substring) -> Void) {
        let bytes = value.utf8
        guard bytes.allSatisfy({ $0 < 0x80 }) else {
            // Not a token list; split as characters, as it always was.
            for token in value.split(separator: ",") {
                body(token.drop(while: { $0 == " " || $0 == "\t" }).prefix(while: { $0 != " " && $0 != "\t" }))
            }
            return
        }
        // ASCII, as a token list is: on the bytes. Splitting the Character view cost ~10,000
        // instructions for nginx's one `Connection: keep-alive` (callgrind).
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var start = bytes.startIndex
        while true {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: ",")) ?? bytes.endIndex
            var first = start
            while first < end, isBlank(bytes[first]) { first = bytes.index(after: first) }
            var last = first
            while last < end, !isBlank(bytes[last]) { last = bytes.index(after: last) }
            body(value[first..<last])
            guard end < bytes.endIndex else { return }
            start = bytes.index(after: end)
        }
    }

    static func isHopByHop<S: StringProtocol>(_ name: S) -> Bool {
        // By length first: most names are out at once, the rest meet only the names of their length
        // (the byte compare ran for each of the eight names: ~12,000 instructions per request for two
        // header sets under callgrind, BENCHMARKS.md).
        switch name.utf8.count {
        case 2: return asciiCaseInsensitiveEquals(name, "te")
        case 7: return asciiCaseInsensitiveEquals(name, "trailer") || asciiCaseInsensitiveEquals(name, "upgrade")
        case 10: return asciiCaseInsensitiveEquals(name, "connection") || asciiCaseInsensitiveEquals(name, "keep-alive")
        case 16: return asciiCaseInsensitiveEquals(name, "proxy-connection")
        case 18: return asciiCaseInsensitiveEquals(name, "proxy-authenticate")
        case 19: return asciiCaseInsensitiveEquals(name, "proxy-authorization")
        default: return false
        }
    }

    /// Header names compare without regard to ASCII case, and without allocating a lowercased copy.
    /// On the contiguous UTF-8 both strings have in practice, byte by byte; `zip` over the two views
    /// is the fallback (it was the gateway's largest Swift symbol: an iterator call per byte).
    static func asciiCaseInsensitiveEquals<A: StringProtocol, B: StringProtocol>(_ a: A, _ b: B) -> Bool {
        let (x, y) = (a.utf8, b.utf8)
        guard x.count == y.count else { return false }
        let contiguous = x.withContiguousStorageIfAvailable { p in
            y.withContiguousStorageIfAvailable { q in
                for i in 0..<p.count where !foldedEqual(p[i], q[i]) { return false }
                return true
            }
        }
        if let contiguous, let result = contiguous { return result }
        return zip(x, y).allSatisfy(foldedEqual)
    }

    @inline(__always)
    private static func foldedEqual(_ x: UInt8, _ y: UInt8) -> Bool {
        x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= UInt8(ascii: "a") && (x | 0x20) <= UInt8(ascii: "z"))
    }

    /// Why the request's Host header refuses it, if it does: a Host naming another site than the
    /// checked target (a CDN or virtual host routes on it), a second Host, or one no DNS name can
    /// be. No Host at all is fine: the target's is added when the request is forwarded.
    static func hostHeaderRefusal(_ headers: HTTPHeaders, target: ProxyTarget, defaultPort: Int) -> Refusal? {
        let values = headers["host"]
        guard let value = values.first else { return nil }
        guard values.count == 1 else { return .hostMismatch }
        guard let (host, port) = ProxyTarget.hostAndPort(trimmedWhitespace(value), defaultPort: defaultPort) else {
            return .badName
        }
        return host == target.host && port == target.port ? nil : .hostMismatch
    }

    /// `value.trimmingCharacters(in: .whitespaces)`, without Foundation when there is nothing to trim:
    /// a value that begins and ends with a visible ASCII byte begins and ends with no white space.
    /// Foundation's trimming bridges through NSString: ~18,000 instructions a request (callgrind).
    static func trimmedWhitespace(_ value: String) -> String {
        let bytes = value.utf8
        if let first = bytes.first, let last = bytes.last, (0x21...0x7e).contains(first), (0x21...0x7e).contains(last) {
            return value
        }
        return value.trimmingCharacters(in: .whitespaces)
    }

    static func size(of headers: HTTPHeaders) -> Int {
        headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 } + 2
    }

    /// Bytes of a request's line and headers as they cross the wire (`GET <uri> HTTP/1.1\r\n…`).
    static func requestHeadBytes(_ head: HTTPRequestHead) -> Int { size(of: head.headers) + head.uri.utf8.count + 16 }

    /// Bytes of a response's status line (`HTTP/1.1 200 OK\r\n`, about 17) and headers.
    static func responseHeadBytes(_ headers: HTTPHeaders) -> Int { size(of: headers) + 17 }
}
