/// A campaign's scope, compiled for the gateway (SPEC §6): which host names, addresses and ports
/// testers may reach. Built once per scope change; every lookup after that is a few hash probes.
///
/// Matching rules:
/// - A name is normalised first: lowercase, one trailing dot removed, brackets removed.
/// - `.host(x)` matches exactly `x`. `.domainSuffix(x)` (an asset's `*.x`) matches `x` itself and
///   every name under it at any depth, compared by whole labels: `*.example.gov.cn` matches
///   `a.b.example.gov.cn` but not `evil-example.gov.cn`.
/// - `.address` and `.network` match an address, its IPv4-mapped IPv6 form included.
/// - A rule with ports matches only those ports; a rule without, every port.
/// - When several rules match, the most specific target wins: an exact host before a suffix, a
///   longer suffix before a shorter one, a longer prefix before a shorter one (an address being
///   the longest); rules with the same target are tried in the order given.
public struct Scope: Sendable {
    public let rules: [ScopeRule]
    private let hosts: [Substring: [Int]]
    private let suffixes: [Substring: [Int]]
    /// Bit n is set when some suffix has n labels (bit 63: 63 or more), so a name is probed only at
    /// the depths where a suffix could be — usually one probe instead of one per label.
    private let suffixDepths: UInt64
    private let addresses: AddressIndex

    public init(rules: [ScopeRule]) {
        var hosts: [Substring: [Int]] = [:], suffixes: [Substring: [Int]] = [:]
        var suffixDepths: UInt64 = 0
        var networks: [(network: IPNetwork, rule: Int)] = []
        for (i, rule) in rules.enumerated() {
            switch rule.target {
            case .host(let name):
                hosts[Self.normalized(name), default: []].append(i)
            case .domainSuffix(let name):
                let suffix = Self.normalized(name)
                suffixes[suffix, default: []].append(i)
                suffixDepths |= Self.depthBit(Self.labelCount(suffix))
            case .address(let address):
                networks.append((IPNetwork(address: address, prefix: address.bitWidth)!, i))
            case .network(let network):
                networks.append((network, i))
            }
        }
        self.rules = rules
        self.hosts = hosts
        self.suffixes = suffixes
        self.suffixDepths = suffixDepths
        self.addresses = AddressIndex(networks)
    }

    public var isEmpty: Bool { rules.isEmpty }

    /// The rule that allows the DNS name `host` (any case, optional trailing dot) on `port`, if any.
    public func nameMatch(host: String, port: Int) -> ScopeRule? {
        if hosts.isEmpty && suffixes.isEmpty { return nil }
        let name = Self.normalized(host)
        if name.isEmpty { return nil }
        if let i = hosts[name]?.first(where: { rules[$0].allows(port: port) }) { return rules[i] }
        if suffixes.isEmpty { return nil }
        var start = name.startIndex, labels = Self.labelCount(name)
        while true {
            if suffixDepths & Self.depthBit(labels) != 0,
               let i = suffixes[name[start...]]?.first(where: { rules[$0].allows(port: port) }) { return rules[i] }
            guard let dot = name.utf8[start...].firstIndex(of: UInt8(ascii: ".")) else { return nil }
            start = name.utf8.index(after: dot)
            labels -= 1
        }
    }

    /// The address or network rule that allows `address` on `port`, if any.
    public func addressMatch(_ address: IPAddress, port: Int) -> ScopeRule? {
        addresses.first(containing: address) { rules[$0].allows(port: port) }.map { rules[$0] }
    }

    /// The rule that opens the special address `address` on `port`: one naming it exactly, or an
    /// internal network holding it (`ScopeRule.opensSpecialAddresses`).
    public func specialMatch(_ address: IPAddress, port: Int) -> ScopeRule? {
        addresses.first(containing: address) { rules[$0].allows(port: port) && rules[$0].opensSpecialAddresses }.map { rules[$0] }
    }

    /// Decides one target. `resolved` is what the name resolved to, in the resolver's order.
    ///
    /// - An IP literal (`isLiteral`) is its own address: it is allowed only by an address or
    ///   network rule, and `resolved` is not read. Refused, it is `.notInScope` whatever its range,
    ///   since nothing about it was in scope.
    /// - A name with no addresses is `.unresolved`.
    /// - Otherwise the addresses are tried in order and the first one allowed is returned, so the
    ///   gateway connects to the very address that was checked and a second lookup cannot point it
    ///   elsewhere (DNS rebinding). An address is allowed when the name matches a rule, or an
    ///   address or network rule holds it. A special address (`IPAddress.specialUse`), literal or
    ///   resolved, is allowed only by a rule that opens it (`specialMatch`): an asset naming that
    ///   very address, or a range an admin marked internal — neither a name nor a range's width is
    ///   enough. The name's rule is preferred as the reason for an allowed address.
    /// - If no address is allowed: `.specialAddress` with the first special address that the
    ///   name's rule would otherwise have allowed, else `.notInScope`.
    public func decide(host: String, port: Int, resolved: [IPAddress]) -> ScopeDecision {
        if let literal = Self.isLiteral(host) {
            if let use = literal.specialUse {
                if let rule = specialMatch(literal, port: port) { return .allow(address: literal, rule: rule) }
                return .deny(addressMatch(literal, port: port) == nil ? .notInScope : .specialAddress(literal, use))
            }
            guard let rule = addressMatch(literal, port: port) else { return .deny(.notInScope) }
            return .allow(address: literal, rule: rule)
        }
        // Callers check names before resolving them; this keeps a malformed one out whatever the path.
        guard HostName.isValid(host) else { return .deny(.notInScope) }
        if resolved.isEmpty { return .deny(.unresolved) }
        let nameRule = nameMatch(host: host, port: port)
        var refusal = ScopeRefusal.notInScope
        for address in resolved {
            if let use = address.specialUse {
                if let addressRule = specialMatch(address, port: port) {
                    return .allow(address: address, rule: nameRule ?? addressRule)
                }
                if nameRule != nil, refusal == .notInScope { refusal = .specialAddress(address, use) }
            } else if let rule = nameRule ?? addressMatch(address, port: port) {
                return .allow(address: address, rule: rule)
            }
        }
        return .deny(refusal)
    }

    /// The address `host` spells literally (`1.2.3.4`, `::1`, `[::1]`), or nil for a name.
    public static func isLiteral(_ host: String) -> IPAddress? {
        IPAddress(host)
    }

    private static func labelCount(_ name: Substring) -> Int {
        name.utf8.reduce(1) { $1 == UInt8(ascii: ".") ? $0 + 1 : $0 }
    }

    private static func depthBit(_ labels: Int) -> UInt64 {
        1 << UInt64(min(labels, 63))
    }

    /// Lowercase, without brackets or one trailing dot. Names are mostly lowercase already, so the
    /// copy is made only when a byte needs changing; otherwise this is a slice of `host`.
    static func normalized(_ host: String) -> Substring {
        let needsLowercase = host.utf8.contains { ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || $0 >= 0x80 }
        var name = needsLowercase ? host.lowercased()[...] : host[...]
        if name.utf8.first == UInt8(ascii: "["), name.utf8.last == UInt8(ascii: "]") {
            name = name.dropFirst().dropLast()
        }
        if name.utf8.last == UInt8(ascii: ".") { name = name.dropLast() }
        return name
    }
}
