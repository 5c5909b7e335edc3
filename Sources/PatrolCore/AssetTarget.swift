/// Checks that an asset's target fits its kind, so the scope the gateway compiles from the
/// assets never holds a value it cannot match.
public enum AssetTarget {
    public enum Problem: String, Error, Sendable {
        case empty, notURL, notHost, notIP, notCIDR, badPorts
    }

    public static func check(kind: AssetKind, target raw: String, ports: String?) -> Problem? {
        let target = raw.trimmingCharacters(in: .whitespaces)
        if target.isEmpty { return .empty }
        switch kind {
        case .website:
            let lower = target.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return .notURL }
            let rest = lower.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
            guard rest.count >= 3 else { return .notURL }
            var host = String(rest[2])
            if host.hasPrefix("[") { return isIPv6(String(host.dropFirst().prefix { $0 != "]" })) ? nil : .notURL }
            if let colon = host.lastIndex(of: ":") {
                guard let port = Int(host[host.index(after: colon)...]), (1...65535).contains(port) else { return .notURL }
                host = String(host[..<colon])
            }
            if !(isHostname(host) || isIPv4(host)) { return .notURL }
        case .domain:
            let host = target.hasPrefix("*.") ? String(target.dropFirst(2)) : target
            if !isHostname(host.lowercased()) { return .notHost }
        case .ip:
            if !(isIPv4(target) || isIPv6(target)) { return .notIP }
        case .cidr:
            let parts = target.split(separator: "/")
            guard parts.count == 2, let prefix = Int(parts[1]) else { return .notCIDR }
            let address = String(parts[0])
            if isIPv4(address) { if !(0...32).contains(prefix) { return .notCIDR } }
            else if isIPv6(address) { if !(0...128).contains(prefix) { return .notCIDR } }
            else { return .notCIDR }
        case .cloud, .app, .other:
            break
        }
        if let ports, !ports.trimmingCharacters(in: .whitespaces).isEmpty, !validPorts(ports) { return .badPorts }
        return nil
    }

    public static func validPorts(_ text: String) -> Bool {
        for item in text.split(separator: ",") {
            let range = item.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(range.count) else { return false }
            let numbers = range.compactMap { Int($0) }
            guard numbers.count == range.count, numbers.allSatisfy({ (1...65535).contains($0) }) else { return false }
            if numbers.count == 2, numbers[0] > numbers[1] { return false }
        }
        return true
    }

    public static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in
            !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isASCII) && p.allSatisfy(\.isNumber) && Int(p)! <= 255
        }
    }

    public static func isIPv6(_ s: String) -> Bool {
        guard s.contains(":"), s.count <= 45 else { return false }
        let groups = s.components(separatedBy: "::")
        guard groups.count <= 2 else { return false }
        var count = 0
        for (i, half) in groups.enumerated() where !half.isEmpty {
            for g in half.split(separator: ":", omittingEmptySubsequences: false) {
                if i == groups.count - 1, g.contains("."), isIPv4(String(g)) { count += 2; continue }
                guard (1...4).contains(g.count), g.allSatisfy(\.isHexDigit) else { return false }
                count += 1
            }
        }
        return groups.count == 2 ? count < 8 : count == 8
    }

    public static func isHostname(_ s: String) -> Bool {
        guard !s.isEmpty, s.count <= 253, s.contains(".") else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}
