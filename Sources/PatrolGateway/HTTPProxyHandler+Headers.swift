import Foundation
import NIOHTTP1

extension HTTPProxyHandler {
    /// Removes the hop-by-hop headers (RFC 9110 §7.6.1) and those the Connection header names. One
    /// pass to look, then one in-place removal per name found (usually one: Proxy-Authorization on a
    /// request, Connection on a response).
    static func stripHopByHop(_ headers: inout HTTPHeaders) {
        var found: [String] = []
        for (name, value) in headers where isHopByHop(name) {
            if !found.contains(where: { asciiCaseInsensitiveEquals($0, name) }) { found.append(name) }
            guard asciiCaseInsensitiveEquals(name, "connection") else { continue }
            for token in value.split(separator: ",") {
                let trimmed = token.drop(while: { $0 == " " || $0 == "\t" })
                let listed = trimmed.prefix(while: { $0 != " " && $0 != "\t" })
                if !listed.isEmpty && !found.contains(where: { asciiCaseInsensitiveEquals($0, listed) }) {
                    found.append(String(listed))
                }
            }
        }
        for name in found { headers.remove(name: name) }
    }

    private static let hopByHop = ["connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate",
                                   "te", "trailer", "upgrade"]

    static func isHopByHop<S: StringProtocol>(_ name: S) -> Bool {
        // The eight names are 2, 7, 10, 16, 18 and 19 bytes long: most headers are out at the length.
        switch name.utf8.count {
        case 2, 7, 10, 16, 18, 19: return hopByHop.contains { asciiCaseInsensitiveEquals(name, $0) }
        default: return false
        }
    }

    /// Header names compare without regard to ASCII case, and without allocating a lowercased copy.
    static func asciiCaseInsensitiveEquals<A: StringProtocol, B: StringProtocol>(_ a: A, _ b: B) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        return zip(a.utf8, b.utf8).allSatisfy { x, y in
            x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= UInt8(ascii: "a") && (x | 0x20) <= UInt8(ascii: "z"))
        }
    }

    /// Why the request's Host header refuses it, if it does: a Host naming another site than the
    /// checked target (a CDN or virtual host routes on it), a second Host, or one no DNS name can
    /// be. No Host at all is fine: the target's is added when the request is forwarded.
    static func hostHeaderRefusal(_ headers: HTTPHeaders, target: ProxyTarget, defaultPort: Int) -> Refusal? {
        let values = headers["host"]
        guard let value = values.first else { return nil }
        guard values.count == 1 else { return .hostMismatch }
        guard let (host, port) = ProxyTarget.hostAndPort(value.trimmingCharacters(in: .whitespaces), defaultPort: defaultPort) else {
            return .badName
        }
        return host == target.host && port == target.port ? nil : .hostMismatch
    }

    static func size(of headers: HTTPHeaders) -> Int {
        headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 } + 2
    }

    /// Bytes of a request's line and headers as they cross the wire (`GET <uri> HTTP/1.1\r\n…`).
    static func requestHeadBytes(_ head: HTTPRequestHead) -> Int { size(of: head.headers) + head.uri.utf8.count + 16 }

    /// Bytes of a response's status line (`HTTP/1.1 200 OK\r\n`, about 17) and headers.
    static func responseHeadBytes(_ headers: HTTPHeaders) -> Int { size(of: headers) + 17 }
}
