import Foundation

/// Where to send someone after they sign in or switch language: a path on this site, never
/// another site. The one place that decides; the sign-in page and the language switch both ask it.
///
/// Only a path-absolute reference passes (`/…`, not `//…`), written in printable ASCII without
/// `\`, because browsers repair what they are given before following it: they drop tabs and
/// newlines (`/\t/evil` becomes `//evil`) and read `\` as `/` (`/\evil` becomes `//evil`), and
/// either turns a path into another host. The same holds once percent-decoded, for anything on
/// the way that decodes first; dot segments are refused too (`/..//evil` normalises to `//evil`).
/// Patrol's own links (`SiteURL`, and the current address that the sign-in redirect carries) are
/// all of this form.
struct ReturnPath: Equatable {
    let path: String

    static let maxLength = 2048

    init?(_ candidate: String?) {
        guard let candidate, !candidate.isEmpty, candidate.utf8.count <= Self.maxLength,
              candidate.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "\\") }),
              Self.isLocal(candidate) else { return nil }
        var decoded = candidate
        // Decoded until it stops changing (a few rounds at most: each removes one layer of `%25`).
        for _ in 0..<4 {
            guard let next = decoded.removingPercentEncoding else { return nil }
            if next == decoded { break }
            guard next.unicodeScalars.allSatisfy({ !$0.properties.generalCategory.isControlOrFormat && $0 != "\\" }),
                  Self.isLocal(next) else { return nil }
            decoded = next
        }
        guard decoded.removingPercentEncoding == decoded else { return nil }
        path = candidate
    }

    private static func isLocal(_ s: String) -> Bool {
        guard s.hasPrefix("/"), !s.hasPrefix("//") else { return false }
        let pathPart = s.prefix { $0 != "?" && $0 != "#" }
        return !pathPart.split(separator: "/", omittingEmptySubsequences: false).contains { $0 == "." || $0 == ".." }
    }
}

private extension Unicode.GeneralCategory {
    /// Controls (C0, DEL, C1) and invisible format characters such as bidi overrides.
    var isControlOrFormat: Bool { self == .control || self == .format }
}
