import Foundation
import PatrolCore

extension Finding {
    /// Keys under which findings may be the same: same unit, same type, and the same asset or URL.
    /// Two findings sharing a key are shown to reviewers as possible duplicates; rejected and
    /// already-marked duplicates are no candidates.
    public var duplicateKeys: [String] {
        guard status != .rejected, status != .duplicate else { return [] }
        let type = self.type ?? kind.rawValue
        var keys: [String] = []
        if let a = $asset.id { keys.append("\($unit.id)|a:\(a)|\(type)") }
        if let u = url?.lowercased(), !u.isEmpty { keys.append("\($unit.id)|u:\(u)|\(type)") }
        return keys
    }
}
