import Crypto
import Foundation

/// Uploaded lists between their preview and the admin's confirmation, in the data directory
/// (`imports/`), never under a public folder and never executed: confirming reads the very file
/// the preview showed, re-planned against the database as it is then. A token names each file;
/// files older than a day are swept when the next one arrives.
struct ImportUploads {
    let root: URL

    init(dataDirectory: String) {
        root = URL(fileURLWithPath: dataDirectory, isDirectory: true).appendingPathComponent("imports", isDirectory: true)
    }

    struct Upload {
        var data: Data
        var filename: String
    }

    /// Keeps `data` and returns its token (random, so one admin cannot guess another's upload).
    func save(_ data: Data, filename: String) throws -> String {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        sweep()
        let token = UUID().uuidString.lowercased()
        try data.write(to: root.appendingPathComponent(token + ".upload"), options: .atomic)
        try Data(filename.utf8).write(to: root.appendingPathComponent(token + ".name"), options: .atomic)
        return token
    }

    func load(_ token: String) -> Upload? {
        guard UUID(uuidString: token) != nil else { return nil }
        guard let data = try? Data(contentsOf: root.appendingPathComponent(token + ".upload")) else { return nil }
        let name = (try? Data(contentsOf: root.appendingPathComponent(token + ".name"))).flatMap { String(data: $0, encoding: .utf8) }
        return Upload(data: data, filename: name ?? "")
    }

    func remove(_ token: String) {
        guard UUID(uuidString: token) != nil else { return }
        for suffix in [".upload", ".name"] { try? FileManager.default.removeItem(at: root.appendingPathComponent(token + suffix)) }
    }

    /// A digest of the upload, so the confirmation can say it is the file previewed.
    static func digest(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    private func sweep() {
        let dayAgo = Date().addingTimeInterval(-86_400)
        let files = (try? FileManager.default.contentsOfDirectory(at: root, includingPropertiesForKeys: [.contentModificationDateKey])) ?? []
        for file in files {
            let modified = (try? file.resourceValues(forKeys: [.contentModificationDateKey]))?.contentModificationDate ?? .distantFuture
            if modified < dayAgo { try? FileManager.default.removeItem(at: file) }
        }
    }
}
