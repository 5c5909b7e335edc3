/// The scope's answer for one target: the address to connect to and the rule that allows it, or why not.
public enum ScopeDecision: Equatable, Sendable {
    /// Connect to exactly `address`, the one that was checked, never to a fresh lookup of the name.
    case allow(address: IPAddress, rule: ScopeRule)
    case deny(ScopeRefusal)
}
