import PatrolCore
import PatrolStore
import Vapor

/// Checks whether the shells and scripts the testers uploaded are gone (SPEC §3: the platform helps
/// the reviewer). For each listed path it requests the finding's site (its URL, else its asset) +
/// path: 404 or 410, or a refused connection, means gone; 2xx means still there; anything else is
/// shown as undecided. It is advice for the reviewer, never the retest decision.
struct ShellCheck {
    enum Verdict: String, Codable { case gone, present, unknown }

    struct Result: Content {
        var path: String
        var url: String?
        var verdict: Verdict
        var detail: String
    }

    /// `scheme://host[:port]` of the site the paths live on, if there is a single one.
    static func site(finding f: Finding, asset: Asset?) -> String? {
        func origin(_ text: String) -> String? {
            guard let u = URL(string: text), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  let host = u.host, !host.isEmpty else { return nil }
            let h = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            return "\(scheme)://\(h)" + (u.port.map { ":\($0)" } ?? "")
        }
        if let url = f.url, let o = origin(url) { return o }
        guard let asset else { return nil }
        switch asset.kind {
        case .website: return origin(asset.target)
        case .domain, .ip:
            guard !asset.target.hasPrefix("*.") else { return nil }
            let port = asset.ports?.split(separator: ",").first.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            let host = asset.target.contains(":") ? "[\(asset.target)]" : asset.target
            if let port, port == 443 { return "https://\(host)" }
            return "http://\(host)" + (port.map { $0 == 80 ? "" : ":\($0)" } ?? "")
        default: return nil
        }
    }

    static func run(_ req: Request, finding f: Finding) async -> [Result] {
        let site = site(finding: f, asset: f.asset)
        var results: [Result] = []
        for path in f.shellPaths {
            guard let site, path.hasPrefix("/") || path.hasPrefix("http") else {
                results.append(.init(path: path, url: nil, verdict: .unknown, detail: req.t("shellcheck.noSite")))
                continue
            }
            let url = path.hasPrefix("http") ? path : site + path
            do {
                let response = try await req.client.get(URI(string: url)) { $0.timeout = .seconds(5) }
                let code = Int(response.status.code)
                let verdict: Verdict = [404, 410].contains(code) ? .gone : (200..<300).contains(code) ? .present : .unknown
                results.append(.init(path: path, url: url, verdict: verdict, detail: "HTTP \(code)"))
            } catch {
                // A refused connection surfaces from NIO/AsyncHTTPClient with "refused" in its description.
                let text = "\(error)"
                let refused = text.localizedCaseInsensitiveContains("refused")
                results.append(.init(path: path, url: url, verdict: refused ? .gone : .unknown,
                                     detail: refused ? req.t("shellcheck.refused") : req.t("shellcheck.failed", ["error": String(text.prefix(120))])))
            }
        }
        return results
    }
}
