/// A column an import expects, known by the names offices give it (`["单位名称", "单位"]`).
public struct HeaderField<Key: Hashable & Sendable>: Sendable {
    public let key: Key
    public let aliases: [String]
    public let isRequired: Bool

    public init(_ key: Key, aliases: [String], required: Bool = true) {
        precondition(!aliases.isEmpty, "a header field needs at least one name")
        self.key = key
        self.aliases = aliases
        self.isRequired = required
    }
}
