/// Why the scope refused a target.
public enum ScopeRefusal: Equatable, Sendable {
    /// No asset names the host, nor any address it resolved to, on this port.
    case notInScope
    /// The name is in scope, but it resolved only to special addresses that no asset names; this
    /// is the first of them. A name pointed at 127.0.0.1 or a metadata service is how DNS is used
    /// to turn the gateway against its own network.
    case specialAddress(IPAddress, SpecialUse)
    /// The name resolved to no address at all.
    case unresolved
}
