/// How much address space a role may declare as an asset (issue 18, item 2). A unit's liaison names
/// its own hosts: no block wider than /24 (IPv4) or /48 (IPv6), and nothing that holds a special
/// address (`SpecialUse`: loopback, private, link-local, cloud metadata…), since an asset is what
/// lets the gateway's testers reach an address. Admins and reviewers are not limited here.
/// Host names, wildcards included, are not limited; an IP literal is, whatever kind it is filed
/// under (a `domain` or a `website` host written as an address compiles to an address rule).
public enum DeclarationLimit {
    /// The widest block a liaison may declare: the shortest prefix, per family.
    public static let shortestIPv4Prefix = 24
    public static let shortestIPv6Prefix = 48

    public enum Refusal: Equatable, Sendable {
        /// The block is wider than `shortestPrefix` allows.
        case tooWide(shortestPrefix: Int)
        /// The block or address holds (part of) `range`, which is `use`.
        case special(SpecialUse, range: IPNetwork)
        /// Looks like an address or a block but does not read as one: refused rather than guessed at.
        case unreadable
    }

    /// Nil when `role` may declare `target` as an asset of `kind`; otherwise why not. Assumes the
    /// target already passed `AssetTarget.check`.
    public static func check(kind: AssetKind, target raw: String, role: Role) -> Refusal? {
        guard role == .liaison else { return nil }
        let target = raw.trimmingCharacters(in: .whitespaces)
        let network: IPNetwork
        switch kind {
        case .cidr:
            guard let n = IPNetwork(target) else { return .unreadable }
            network = n
        case .ip:
            guard let a = IPAddress(target) else { return .unreadable }
            network = single(a)
        case .domain:
            var host = target.hasPrefix("*.") ? String(target.dropFirst(2)) : target
            if host.hasSuffix(".") { host.removeLast() }
            guard let a = IPAddress(host) else { return nil }
            network = single(a)
        case .website:
            guard let a = websiteAddress(target) else { return nil }
            network = single(a)
        case .cloud, .app, .other:
            return nil
        }
        return check(network)
    }

    /// The limit for one block, as a liaison declares it.
    public static func check(_ network: IPNetwork) -> Refusal? {
        let shortest = network.address.isV4 ? shortestIPv4Prefix : shortestIPv6Prefix
        if network.prefix < shortest { return .tooWide(shortestPrefix: shortest) }
        for view in [network] + ipv4Views(of: network) {
            if let hit = SpecialUse.table.first(where: { overlaps($0.network, view) }) {
                return .special(hit.use, range: hit.network)
            }
        }
        return nil
    }

    private static func single(_ a: IPAddress) -> IPNetwork {
        let a = a.unmapped
        return IPNetwork(address: a, prefix: a.bitWidth)!
    }

    /// Two blocks share an address exactly when one holds the other.
    static func overlaps(_ a: IPNetwork, _ b: IPNetwork) -> Bool {
        guard a.address.isV4 == b.address.isV4 else { return false }
        let prefix = min(a.prefix, b.prefix)
        return a.address.masked(to: prefix) == b.address.masked(to: prefix)
    }

    /// The IPv4 hosts an IPv6 block reaches through NAT64 (64:ff9b::/96) or IPv4 mapping
    /// (::ffff:0:0/96), as `SpecialUse.of` judges such addresses by their IPv4 host. A block wider
    /// than /96 that holds one of those reaches all of IPv4.
    private static func ipv4Views(of network: IPNetwork) -> [IPNetwork] {
        guard !network.address.isV4 else { return [] }
        let translated = [IPNetwork("64:ff9b::/96")!, IPNetwork("::ffff:0:0/96")!]
        return translated.compactMap { block in
            guard overlaps(block, network) else { return nil }
            guard network.prefix >= 96, case .v6(_, let lo) = network.address else { return IPNetwork("0.0.0.0/0")! }
            return IPNetwork(address: .v4(UInt32(truncatingIfNeeded: lo)), prefix: network.prefix - 96)
        }
    }

    /// The host of an `http(s)://` target when it is an IP literal (`[…]` for IPv6).
    private static func websiteAddress(_ target: String) -> IPAddress? {
        guard let scheme = target.range(of: "://") else { return nil }
        var host = String(target[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" })
        if let at = host.lastIndex(of: "@") { host = String(host[host.index(after: at)...]) }
        if host.hasPrefix("[") { return IPAddress(String(host.dropFirst().prefix { $0 != "]" })) }
        if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        if host.hasSuffix(".") { host.removeLast() }
        return IPAddress(host)
    }
}
