/// Reads a `.rels` part: relationship id → (type, resolved target part).
final class RelationshipsParser: PartParser {
    struct Relationship {
        let type: String
        let target: String
    }

    private let sourcePart: String
    private(set) var relationships: [String: Relationship] = [:]

    init(entry: String, sourcePart: String) {
        self.sourcePart = sourcePart
        super.init(entry: entry)
    }

    override func didStart(_ name: Substring, attributes: [String: String]) {
        guard name == "Relationship",
              let id = Self.attribute("Id", in: attributes),
              let target = Self.attribute("Target", in: attributes),
              Self.attribute("TargetMode", in: attributes) != "External"
        else { return }
        relationships[id] = Relationship(type: Self.attribute("Type", in: attributes) ?? "",
                                         target: PartPath.resolve(target, from: sourcePart))
    }

    /// The first target whose type ends with `/suffix` (types differ between transitional and strict
    /// OOXML only in their prefix).
    func target(ofType suffix: String) -> String? {
        relationships.values.filter { $0.type.hasSuffix("/" + suffix) }.map(\.target).min()
    }
}
