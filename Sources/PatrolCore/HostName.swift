/// What a target's host may be (issue 18): an IP literal, or a DNS name of letters, digits,
/// hyphens and underscores in dot-separated labels of 1–63 bytes, 253 in all. Anything else —
/// control bytes, NUL, spaces, `%`, `\`, `@`, non-ASCII — is refused before it is resolved or
/// compared with the scope, on every path (absolute URI, CONNECT, SOCKS5, interception, replay):
/// resolvers, CDNs and virtual hosts each read such a name their own way, which is how a name the
/// scope checked becomes a different one on the wire. Internationalised names arrive as `xn--`.
public enum HostName {
    public static func isValid(_ host: String) -> Bool {
        if IPAddress(host) != nil { return true }
        let bytes = host.utf8
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        var labelLength = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "."):
                guard labelLength > 0 else { return false }
                labelLength = 0
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                labelLength += 1
                guard labelLength <= 63 else { return false }
            default:
                return false
            }
        }
        return labelLength > 0
    }
}
