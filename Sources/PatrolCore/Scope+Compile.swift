import Foundation

/// Turning a campaign's assets into rules, per asset kind (SPEC §2):
/// - `website`: the URL's host — a name becomes `.host`, an IP literal (`[v6]` included) `.address`.
///   Ports: the URL's explicit port together with the asset's list; neither given, every port.
/// - `domain`: `*.x` becomes `.domainSuffix(x)`, a name `.host`, an IP literal `.address`.
/// - `ip`: `.address`. `cidr`: `.network`.
/// - `cloud`, `app`, `other`: text that reads as a URL (any scheme), a CIDR block, an IP or a host
///   name (`*.x` included) is compiled like that kind; anything else is free text and skipped.
/// For every kind but URLs the ports are the asset's list, or every port when it is blank.
/// An asset whose port list does not parse is skipped rather than widened to every port.
extension Scope {
    /// Compiles once per scope change. Assets that cannot be enforced (free text in cloud/app/other,
    /// or a target that does not fit its kind) are returned in `skipped` with the reason.
    public static func compile(_ assets: [ScopeAsset]) -> (scope: Scope, skipped: [(asset: String, reason: String)]) {
        var rules: [ScopeRule] = []
        var skipped: [(asset: String, reason: String)] = []
        for asset in assets {
            switch rule(for: asset) {
            case .success(let rule): rules.append(rule)
            case .failure(let reason): skipped.append((asset.code, reason.message))
            }
        }
        return (Scope(rules: rules), skipped)
    }

    static func rule(for asset: ScopeAsset) -> Result<ScopeRule, ScopeSkipReason> {
        var ports: PortSet?
        if let list = asset.ports, !list.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let set = PortSet(list) else { return .failure(.badPorts) }
            ports = set
        }
        let text = asset.target.trimmingCharacters(in: .whitespacesAndNewlines)
        let target: ScopeRule.Target
        switch asset.kind {
        case .website:
            guard let url = urlTarget(text, httpOnly: true) else { return .failure(.badURL) }
            target = url.target
            ports = joined(ports, url.port)
        case .domain:
            guard let name = nameTarget(text) else { return .failure(.badHost) }
            target = name
        case .ip:
            guard let address = IPAddress(text) else { return .failure(.badIP) }
            target = .address(address)
        case .cidr:
            guard let network = IPNetwork(text) else { return .failure(.badCIDR) }
            target = .network(network)
        case .cloud, .app, .other:
            if text.contains("://") {
                guard let url = urlTarget(text, httpOnly: false) else { return .failure(.freeText) }
                target = url.target
                ports = joined(ports, url.port)
            } else if text.contains("/") {
                guard let network = IPNetwork(text) else { return .failure(.freeText) }
                target = .network(network)
            } else {
                guard let name = nameTarget(text) else { return .failure(.freeText) }
                target = name
            }
        }
        return .success(ScopeRule(target: target, ports: ports, assetCode: asset.code, unitCode: asset.unit,
                                  internalNetwork: asset.internalNetwork))
    }

    /// The asset's list and the URL's port together; nil (every port) only when both are absent.
    private static func joined(_ list: PortSet?, _ port: Int?) -> PortSet? {
        guard let port else { return list }
        return list.map { $0.union(PortSet([port])) } ?? PortSet([port])
    }

    /// The host and explicit port of `scheme://[userinfo@]host[:port][/…]`.
    private static func urlTarget(_ text: String, httpOnly: Bool) -> (target: ScopeRule.Target, port: Int?)? {
        let lower = text.lowercased()
        guard let separator = lower.range(of: "://") else { return nil }
        let scheme = lower[..<separator.lowerBound]
        if httpOnly {
            guard scheme == "http" || scheme == "https" else { return nil }
        } else {
            guard let first = scheme.first, first.isASCII, first.isLetter,
                  scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) else { return nil }
        }
        var authority = lower[separator.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host = authority, portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[...close]
            let rest = authority[authority.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
            guard let address = IPAddress(String(host)) else { return nil }
            return port(portText).map { (.address(address), $0) }
        }
        if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard let target = nameTarget(String(host), wildcard: false) else { return nil }
        return port(portText).map { (target, $0) }
    }

    /// `.some(nil)` when there is no port, `.some(port)` for a valid one, nil for a bad one.
    private static func port(_ text: Substring?) -> Int?? {
        guard let text else { return .some(nil) }
        guard let port = Int(text), (1...65535).contains(port) else { return nil }
        return .some(port)
    }

    /// A host name (`.host`), `*.x` (`.domainSuffix`) when wildcards are allowed, or an IP literal (`.address`).
    private static func nameTarget(_ text: String, wildcard: Bool = true) -> ScopeRule.Target? {
        if let address = IPAddress(text) { return .address(address) }
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        if wildcard, name.hasPrefix("*.") {
            let base = String(name.dropFirst(2))
            return AssetTarget.isHostname(base) ? .domainSuffix(base) : nil
        }
        return AssetTarget.isHostname(name) ? .host(name) : nil
    }
}
