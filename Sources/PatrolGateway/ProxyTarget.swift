import Foundation
import PatrolCore

/// Where a proxied request goes, parsed from an absolute URI (`http://host:port/path`) or a CONNECT
/// authority (`host:port`, `[v6]:port`). The host is lowercased; IPv6 literals lose their brackets.
struct ProxyTarget: Equatable, Sendable {
    var scheme: String
    var host: String
    var port: Int
    /// Path and query, as sent to the origin (`/` when the URI had none).
    var path: String

    /// `host` as it goes back into a URL or a Host header.
    var hostForURL: String { host.utf8.contains(UInt8(ascii: ":")) ? "[\(host)]" : host }

    var url: String {
        let defaultPort = scheme == "https" ? 443 : 80
        return "\(scheme)://\(hostForURL)\(port == defaultPort ? "" : ":\(port)")\(path)"
    }

    /// `defaultPort`: the port when the URI names none (443 for an https URL rewritten to http://).
    static func absolute(_ uri: String, defaultPort: Int = 80) -> ProxyTarget? {
        // Byte-wise on the UTF-8 view: this runs for every request, and Foundation's `range(of:)`
        // bridged through NSString (about 3 % of the event loop's time at benchmark load).
        guard let afterScheme = httpSchemeEnd(uri) else { return nil }
        let rest = uri[afterScheme...]
        let authorityEnd = rest.utf8.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") })
            ?? rest.endIndex
        var path = rest[authorityEnd...]
        if let hash = path.utf8.firstIndex(of: UInt8(ascii: "#")) { path = path[..<hash] }
        let pathText = path.isEmpty || path.utf8.first == UInt8(ascii: "?") ? "/" + path : String(path)
        var authority = rest[..<authorityEnd]
        if let at = authority.utf8.lastIndex(of: UInt8(ascii: "@")) { authority = authority[authority.utf8.index(after: at)...] }
        guard let (host, port) = hostAndPort(String(authority), defaultPort: defaultPort) else { return nil }
        return ProxyTarget(scheme: "http", host: host, port: port, path: pathText)
    }

    /// Where `http://` (in any case) ends at the start of `uri`; nil for other schemes and forms.
    static func httpSchemeEnd(_ uri: String) -> String.Index? {
        let bytes = uri.utf8
        var index = bytes.startIndex
        for expected in "http://".utf8 {
            guard index < bytes.endIndex else { return nil }
            let byte = bytes[index]
            // Letters compare without case (`HTTP://` is the same scheme); the rest exactly.
            guard byte == expected || (expected >= UInt8(ascii: "a") && byte == expected - 0x20) else { return nil }
            index = bytes.index(after: index)
        }
        return index
    }

    static func authority(_ text: String) -> ProxyTarget? {
        guard let (host, port) = hostAndPort(text, defaultPort: nil) else { return nil }
        return ProxyTarget(scheme: "https", host: host, port: port, path: "/")
    }

    /// Splits `host[:port]`; without a port, `defaultPort` (nil: a port is required).
    static func hostAndPort(_ text: String, defaultPort: Int?) -> (String, Int)? {
        var host: Substring, portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.isEmpty { portText = nil } else if after.hasPrefix(":") { portText = after.dropFirst() } else { return nil }
            guard IPAddress(String(host)) != nil else { return nil }
        } else if let colon = text.utf8.lastIndex(of: UInt8(ascii: ":")) {
            // On the bytes: `lastIndex(of: Character)` walked grapheme clusters (~2,000 instructions a call).
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = Substring(text)
            portText = nil
        }
        let port: Int
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { return nil }
            port = p
        } else {
            guard let d = defaultPort else { return nil }
            port = d
        }
        var name = host.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) ? host.lowercased() : String(host)
        if name.utf8.last == UInt8(ascii: ".") { name.removeLast() }
        guard HostName.isValid(name) else { return nil }
        return (name, port)
    }
}

/// `Proxy-Authorization: Basic base64(username:token)`.
struct ProxyCredentials: Equatable {
    var username: String
    var token: String

    init(username: String, token: String) {
        self.username = username
        self.token = token
    }

    init?(header: String) {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let decoded = Self.base64Decode(parts[1].trimmingCharacters(in: .whitespaces)),
              let text = String(bytes: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
        self.username = String(text[..<colon])
        self.token = String(text[text.index(after: colon)...])
    }

    private static func base64Decode(_ s: String) -> [UInt8]? {
        guard let data = Data(base64Encoded: s) else { return nil }
        return Array(data)
    }
}
