import Crypto
import Foundation

/// The append-only audit log is a hash chain: each entry's hash covers its own content and the
/// previous entry's hash, so editing or deleting any entry breaks every link after it.
public enum AuditChain {
    public static let genesis = String(repeating: "0", count: 64)

    public struct Entry: Sendable, Equatable {
        public var seq: Int
        public var at: Date
        public var actor: String
        public var clientAddress: String
        public var action: String
        public var objectType: String
        public var objectID: String
        public var details: String
        public var prevHash: String
        public var hash: String

        public init(seq: Int, at: Date, actor: String, clientAddress: String, action: String,
                    objectType: String, objectID: String, details: String, prevHash: String, hash: String) {
            self.seq = seq; self.at = at; self.actor = actor; self.clientAddress = clientAddress
            self.action = action; self.objectType = objectType; self.objectID = objectID
            self.details = details; self.prevHash = prevHash; self.hash = hash
        }
    }

    /// SHA-256 over the fields, each length-prefixed so no two different entries share an input.
    /// Time is hashed as whole milliseconds: both databases keep at least that precision.
    public static func hash(seq: Int, at: Date, actor: String, clientAddress: String, action: String,
                            objectType: String, objectID: String, details: String, prevHash: String) -> String {
        let millis = Int64((at.timeIntervalSince1970 * 1000).rounded())
        let fields = [String(seq), String(millis), actor, clientAddress, action, objectType, objectID, details, prevHash]
        var data = Data()
        for field in fields {
            let bytes = Data(field.utf8)
            data.append(contentsOf: String(bytes.count).utf8)
            data.append(0x3A)
            data.append(bytes)
        }
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    public enum Break: Sendable, Equatable {
        case hashMismatch(seq: Int)
        case linkMismatch(seq: Int)
        case gap(expected: Int, found: Int)
    }

    /// Checks entries in sequence order; returns the first broken link, or nil if the chain holds.
    public static func verify(_ entries: some Sequence<Entry>, startingAfter previous: (seq: Int, hash: String) = (0, genesis)) -> Break? {
        var expectedSeq = previous.seq + 1
        var prev = previous.hash
        for e in entries {
            if e.seq != expectedSeq { return .gap(expected: expectedSeq, found: e.seq) }
            if e.prevHash != prev { return .linkMismatch(seq: e.seq) }
            let h = hash(seq: e.seq, at: e.at, actor: e.actor, clientAddress: e.clientAddress, action: e.action,
                         objectType: e.objectType, objectID: e.objectID, details: e.details, prevHash: e.prevHash)
            if h != e.hash { return .hashMismatch(seq: e.seq) }
            prev = e.hash
            expectedSeq += 1
        }
        return nil
    }
}
