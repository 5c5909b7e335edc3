import Foundation

/// Walks a bundle document's top-level object without holding the document: each member's value
/// comes out as its bytes, except the lists named in `elementwise`, whose entries come out one at a
/// time, so a province's 200,000 findings pass through in the memory of one.
///
/// Hand-written because no streaming JSON reader is among the machine's Swift packages. It only
/// finds where values begin and end (strings with their escapes, nesting); each value's bytes are
/// then read by `JSONDecoder`, which judges their syntax.
public struct BundleScanner {
    public enum Part: Equatable {
        case member(key: String, value: [UInt8])
        /// An entry of an elementwise list; `value` is empty when the list is skipped.
        case element(list: String, index: Int, value: [UInt8])
    }

    private enum State { case start, key, list(String, Int), done }

    private let refill: () throws -> Data?
    private let elementwise: Set<String>
    private let skipped: Set<String>
    private var chunk: [UInt8] = []
    private var position = 0
    private var consumed = 0
    private var exhausted = false
    private var state = State.start

    /// `refill` hands over the next bytes of the document, empty or nil at its end. Entries of the
    /// lists in `skipped` are stepped over without being copied (a first pass that needs the rest).
    public init(elementwise: Set<String>, skipped: Set<String> = [], refill: @escaping () throws -> Data?) {
        self.elementwise = elementwise.union(skipped)
        self.skipped = skipped
        self.refill = refill
    }

    /// A scanner over a file, read a mebibyte at a time.
    public static func file(_ handle: FileHandle, elementwise: Set<String>, skipped: Set<String> = []) -> BundleScanner {
        BundleScanner(elementwise: elementwise, skipped: skipped) { try handle.read(upToCount: 1 << 20) }
    }

    /// A scanner over a document already in memory.
    public static func data(_ data: Data, elementwise: Set<String>, skipped: Set<String> = []) -> BundleScanner {
        var given = false
        return BundleScanner(elementwise: elementwise, skipped: skipped) {
            defer { given = true }
            return given ? nil : data
        }
    }

    /// The next member or list entry; nil after the document's closing brace.
    public mutating func next() throws(BundleError) -> Part? {
        while true {
            switch state {
            case .done:
                return nil
            case .start:
                try skipSpace()
                try expect(UInt8(ascii: "{"), "the document to begin with {")
                try skipSpace()
                if try peek() == UInt8(ascii: "}") { advance(); try finishDocument(); return nil }
                state = .key
            case .key:
                try skipSpace()
                let key = try readKey()
                try skipSpace()
                try expect(UInt8(ascii: ":"), ": after \"\(key)\"")
                try skipSpace()
                if elementwise.contains(key), try peek() == UInt8(ascii: "[") {
                    advance()
                    try skipSpace()
                    if try peek() == UInt8(ascii: "]") { advance(); try afterMember() } else { state = .list(key, 0) }
                    continue
                }
                let value = try readValue(keeping: true)
                try afterMember()
                return .member(key: key, value: value)
            case .list(let key, let index):
                try skipSpace()
                let value = try readValue(keeping: !skipped.contains(key))
                try skipSpace()
                switch try peek() {
                case UInt8(ascii: ","): advance(); state = .list(key, index + 1)
                case UInt8(ascii: "]"): advance(); try afterMember()
                default: throw failure("expected , or ] after \(key)[\(index)]")
                }
                return .element(list: key, index: index, value: value)
            }
        }
    }

    private mutating func afterMember() throws(BundleError) {
        try skipSpace()
        switch try peek() {
        case UInt8(ascii: ","): advance(); state = .key
        case UInt8(ascii: "}"): advance(); try finishDocument()
        default: throw failure("expected , or } between members")
        }
    }

    private mutating func finishDocument() throws(BundleError) {
        try skipSpace()
        guard try peek() == nil else { throw failure("text after the document's closing }") }
        state = .done
    }

    // MARK: bytes

    private mutating func peek() throws(BundleError) -> UInt8? {
        while position == chunk.count {
            if exhausted { return nil }
            let next: Data?
            do { next = try refill() } catch { throw BundleError(record: "document", problem: .notJSON("cannot read: \(error)")) }
            guard let next, !next.isEmpty else { exhausted = true; return nil }
            consumed += chunk.count
            chunk = [UInt8](next)
            position = 0
        }
        return chunk[position]
    }

    private mutating func advance() { position += 1 }

    private func failure(_ what: String) -> BundleError {
        BundleError(record: "document", problem: .notJSON("byte \(consumed + position): \(what)"))
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(BundleError) {
        guard try peek() == byte else { throw failure("expected \(what)") }
        advance()
    }

    private mutating func skipSpace() throws(BundleError) {
        while let b = try peek(), b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { advance() }
    }

    private mutating func readKey() throws(BundleError) -> String {
        guard try peek() == UInt8(ascii: "\"") else { throw failure("expected a member name in quotes") }
        var bytes: [UInt8] = []
        try readString(into: &bytes, keeping: true)
        guard let key = try? JSONDecoder().decode(String.self, from: Data(bytes)) else { throw failure("a member name that is not text") }
        return key
    }

    /// One string, its quotes and escapes included; the position is just past its closing quote.
    private mutating func readString(into bytes: inout [UInt8], keeping: Bool) throws(BundleError) {
        advance()
        if keeping { bytes.append(UInt8(ascii: "\"")) }
        while true {
            guard let b = try peek() else { throw failure("a string that does not end") }
            advance()
            if keeping { bytes.append(b) }
            if b == UInt8(ascii: "\"") { return }
            if b == UInt8(ascii: "\\") {
                guard let escaped = try peek() else { throw failure("a string that does not end") }
                advance()
                if keeping { bytes.append(escaped) }
            }
        }
    }

    /// One value — object, array, string or scalar — as its bytes (empty when not keeping).
    private mutating func readValue(keeping: Bool) throws(BundleError) -> [UInt8] {
        var bytes: [UInt8] = []
        guard let first = try peek() else { throw failure("the document ends where a value should be") }
        switch first {
        case UInt8(ascii: "\""):
            try readString(into: &bytes, keeping: keeping)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            repeat {
                guard let b = try peek() else { throw failure("the document ends inside a value") }
                if b == UInt8(ascii: "\"") { try readString(into: &bytes, keeping: keeping); continue }
                advance()
                if keeping { bytes.append(b) }
                if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") { depth += 1 }
                if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") { depth -= 1 }
            } while depth > 0
        default:
            var length = 0
            while let b = try peek(), !Self.endsScalar(b) {
                advance()
                length += 1
                if keeping { bytes.append(b) }
            }
            guard length > 0 else { throw failure("expected a value") }
        }
        return bytes
    }

    private static func endsScalar(_ b: UInt8) -> Bool {
        b == UInt8(ascii: ",") || b == UInt8(ascii: "}") || b == UInt8(ascii: "]")
            || b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
    }
}
