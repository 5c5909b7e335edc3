import Crypto
import Foundation

/// Uploaded bytes under `PATROL_DATA_DIR/evidence/`, named by their SHA-256 (the same file
/// uploaded twice is stored once). Written to a temporary name and renamed, so a crash never
/// leaves a half-written file under a real name.
public struct EvidenceStore: Sendable {
    public let root: URL

    public init(dataDirectory: String) {
        root = URL(fileURLWithPath: dataDirectory, isDirectory: true).appendingPathComponent("evidence", isDirectory: true)
    }

    public static func digest(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    func path(_ sha256: String) -> URL {
        root.appendingPathComponent(String(sha256.prefix(2)), isDirectory: true).appendingPathComponent(sha256)
    }

    /// Stores the bytes and returns their SHA-256 (hex).
    public func save(_ data: Data) throws -> String {
        let hash = Self.digest(data)
        let target = path(hash)
        if FileManager.default.fileExists(atPath: target.path) { return hash }
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temp = target.deletingLastPathComponent().appendingPathComponent(".\(hash).\(UUID().uuidString).tmp")
        try data.write(to: temp)
        do {
            try FileManager.default.moveItem(at: temp, to: target)
        } catch {
            try? FileManager.default.removeItem(at: temp)
            // Another upload of the same bytes won the rename: the file is there, and identical.
            guard FileManager.default.fileExists(atPath: target.path) else { throw error }
        }
        return hash
    }

    public func load(_ sha256: String) throws -> Data {
        guard sha256.count == 64, sha256.allSatisfy(\.isHexDigit) else { throw CocoaError(.fileNoSuchFile) }
        return try Data(contentsOf: path(sha256))
    }
}
