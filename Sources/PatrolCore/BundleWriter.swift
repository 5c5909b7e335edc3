import Foundation

/// Writes a bundle's canonical text a piece at a time, so an export holds one page of findings,
/// not the campaign: members in key order, each list entry on its own lines, two-space indentation,
/// keys sorted, `/` unescaped. `CampaignBundle.encoded()` goes through here too, so a document
/// written whole and one written as a stream are the same bytes.
public struct BundleWriter {
    /// The top-level members in the order they are written (sorted, as the encoder sorts keys).
    public enum Member: String, CaseIterable {
        case assets, campaign, findings, format, notices, teams, units
    }

    private let emit: (Data) throws -> Void
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
    private var members = 0
    private var entries = 0

    public init(emit: @escaping (Data) throws -> Void) { self.emit = emit }

    public mutating func begin() throws { try emit(Data("{\n".utf8)) }

    /// A member whose value is written whole.
    public mutating func member(_ key: Member, _ value: some Encodable) throws {
        let text = memberStart(key) + (try indented(value, by: 2))
        try emit(Data(text.utf8))
    }

    /// A list written entry by entry between `beginList` and `endList`.
    public mutating func beginList(_ key: Member) throws {
        entries = 0
        try emit(Data((memberStart(key) + "[").utf8))
    }

    public mutating func entry(_ value: some Encodable) throws {
        let text = (entries == 0 ? "\n    " : ",\n    ") + (try indented(value, by: 4))
        entries += 1
        try emit(Data(text.utf8))
    }

    public mutating func endList() throws {
        try emit(Data((entries == 0 ? "]" : "\n  ]").utf8))
    }

    public mutating func end() throws { try emit(Data((members == 0 ? "}\n" : "\n}\n").utf8)) }

    private mutating func memberStart(_ key: Member) -> String {
        defer { members += 1 }
        return (members == 0 ? "" : ",\n") + "  \"\(key.rawValue)\" : "
    }

    /// The value's pretty text with every line after the first moved right: JSON strings hold no
    /// raw line breaks, so splitting on them never splits a value.
    private func indented(_ value: some Encodable, by spaces: Int) throws -> String {
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        let pad = String(repeating: " ", count: spaces)
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { $0.offset == 0 ? String($0.element) : pad + $0.element }.joined(separator: "\n")
    }
}
