import PatrolCore
import PatrolGateway
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

    /// Each path is requested through the gateway's rules (`GatewayReplay.send`): scope, special
    /// addresses and Patrol itself are checked as for a tester, the checked address is connected
    /// to, and the request is recorded (kind `shellcheck`) under the reviewer's name.
    static func run(_ req: Request, finding f: Finding) async -> [Result] {
        let site = site(finding: f, asset: f.asset)
        let gateway = req.application.gateway
        var results: [Result] = []
        for path in f.shellPaths {
            guard let site, path.hasPrefix("/") || path.hasPrefix("http"), let actor = req.actor else {
                results.append(.init(path: path, url: nil, verdict: .unknown, detail: req.t("shellcheck.noSite")))
                continue
            }
            let url = path.hasPrefix("http") ? path : site + path
            do {
                let sent = try await GatewayReplay.send(.init(kind: "shellcheck", method: "GET", url: url), campaignID: f.$campaign.id,
                                                        actorID: actor.userID, username: actor.username, db: req.db,
                                                        eventLoop: req.eventLoop, resolver: gateway?.resolver ?? SystemResolver(),
                                                        gateway: gateway)
                if let code = sent.row.status, sent.row.reason == nil {
                    let verdict: Verdict = [404, 410].contains(code) ? .gone : (200..<300).contains(code) ? .present : .unknown
                    results.append(.init(path: path, url: url, verdict: verdict, detail: "HTTP \(code)"))
                } else if sent.row.reason == "upstream_refused" {
                    results.append(.init(path: path, url: url, verdict: .gone, detail: req.t("shellcheck.refused")))
                } else {
                    results.append(.init(path: path, url: url, verdict: .unknown,
                                         detail: req.t("shellcheck.failed", ["error": sent.row.reason ?? "?"])))
                }
            } catch let refusal as Refusal {
                results.append(.init(path: path, url: url, verdict: .unknown,
                                     detail: req.t("shellcheck.outOfScope", ["reason": refusal.rawValue])))
            } catch {
                results.append(.init(path: path, url: url, verdict: .unknown,
                                     detail: req.t("shellcheck.failed", ["error": String("\(error)".prefix(120))])))
            }
        }
        return results
    }
}
