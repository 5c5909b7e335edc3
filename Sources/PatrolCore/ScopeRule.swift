/// One enforceable line of a campaign's scope, compiled from one asset.
public struct ScopeRule: Hashable, Sendable {
    public enum Target: Hashable, Sendable {
        /// Exactly this DNS name (lowercase, no trailing dot).
        case host(String)
        /// This domain and every name under it, at any depth: the `x` of an asset's `*.x`.
        case domainSuffix(String)
        case address(IPAddress)
        case network(IPNetwork)
    }

    public var target: Target
    /// The ports the asset allows; nil allows every port.
    public var ports: PortSet?
    public var assetCode: String
    public var unitCode: String
    /// An admin marked the asset as an internal network: its range may cover special addresses.
    public var internalNetwork: Bool

    public init(target: Target, ports: PortSet?, assetCode: String, unitCode: String, internalNetwork: Bool = false) {
        self.target = target
        self.ports = ports
        self.assetCode = assetCode
        self.unitCode = unitCode
        self.internalNetwork = internalNetwork
    }

    /// Whether this rule opens a special address (loopback, private, link-local, metadata…) it
    /// holds (issue 18): an asset naming exactly that address does, and a range an admin marked
    /// internal; a range does not by its width alone, so `0.0.0.0/0` or `10.0.0.0/8` declared for
    /// a unit's public servers never opens the metadata service or the intranet.
    /// Whether an internal-network mark would change what this rule opens: only a range of more
    /// than one address (a name never opens special addresses, an exact address always does).
    public var isRange: Bool {
        if case .network(let network) = target { return network.prefix < network.address.bitWidth }
        return false
    }

    public var opensSpecialAddresses: Bool {
        if internalNetwork { return true }
        switch target {
        case .address: return true
        case .network(let network): return network.prefix == network.address.bitWidth
        case .host, .domainSuffix: return false
        }
    }

    func allows(port: Int) -> Bool {
        ports?.contains(port) ?? true
    }
}
