/// An asset as the scope compiler sees it: its code, its unit's code, and the target text as the
/// unit reported it (SPEC §2).
public struct ScopeAsset: Hashable, Sendable {
    public var code: String
    public var unit: String
    public var kind: AssetKind
    public var target: String
    /// The asset's port list (`80,443,8000-8100`); nil or blank for every port.
    public var ports: String?
    /// Marked by an admin as an internal network: its range may open special addresses.
    public var internalNetwork: Bool

    public init(code: String, unit: String, kind: AssetKind, target: String, ports: String?, internalNetwork: Bool = false) {
        self.code = code
        self.unit = unit
        self.kind = kind
        self.target = target
        self.ports = ports
        self.internalNetwork = internalNetwork
    }

    /// Whether the asset compiles to a range, where an admin's internal-network mark matters.
    public var isRange: Bool {
        if case .success(let rule) = Scope.rule(for: self) { return rule.isRange }
        return false
    }
}
