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

    public init(target: Target, ports: PortSet?, assetCode: String, unitCode: String) {
        self.target = target
        self.ports = ports
        self.assetCode = assetCode
        self.unitCode = unitCode
    }

    func allows(port: Int) -> Bool {
        ports?.contains(port) ?? true
    }
}
