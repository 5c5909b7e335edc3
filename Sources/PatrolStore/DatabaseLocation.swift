import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation

/// Where the data lives, from `PATROL_DATABASE_URL`: `sqlite:PATH`, `sqlite::memory:` or
/// `postgres://user:pass@host:port/db`. Default `sqlite:patrol.sqlite` in the working directory.
public enum DatabaseLocation: Sendable, Equatable {
    case sqliteFile(String)
    case sqliteMemory
    case postgres(String)

    public static let defaultURL = "sqlite:patrol.sqlite"

    public struct Invalid: Error, CustomStringConvertible {
        public var url: String
        public var description: String {
            "PATROL_DATABASE_URL \"\(url)\" is neither sqlite:PATH nor postgres://user:password@host:port/database"
        }
    }

    /// An SQLite file whose folder is missing (or is not a folder). SQLite's own error said only
    /// "cantOpen: Failed to open to SQLite database at file:///…", after a pool error in the log.
    public struct MissingFolder: Error, CustomStringConvertible {
        public var path: String
        public var folder: String
        public var description: String {
            "PATROL_DATABASE_URL names the SQLite file \(path), but its folder \(folder) does not exist: "
                + "create the folder, or point PATROL_DATABASE_URL at another file"
        }
    }

    /// Throws `MissingFolder` when this is an SQLite file whose folder does not exist. SQLite
    /// creates the file, not the folders above it.
    public func checkFolder() throws {
        guard case .sqliteFile(let path) = self else { return }
        let file = URL(fileURLWithPath: path)
        let folder = file.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw MissingFolder(path: path, folder: folder)
        }
    }

    public static func parse(_ url: String) throws -> DatabaseLocation {
        if url == "sqlite::memory:" || url == "sqlite::memory" { return .sqliteMemory }
        if url.hasPrefix("sqlite:") {
            let path = String(url.dropFirst("sqlite:".count)).replacingOccurrences(of: "//", with: "", options: .anchored)
            guard !path.isEmpty else { throw Invalid(url: url) }
            return .sqliteFile(path)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") { return .postgres(url) }
        throw Invalid(url: url)
    }

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> DatabaseLocation {
        try parse(env["PATROL_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultURL)
    }

    public var isPostgres: Bool { if case .postgres = self { true } else { false } }

    public func configuration() throws -> (factory: DatabaseConfigurationFactory, id: DatabaseID) {
        switch self {
        case .sqliteFile(let path):
            return (.sqlite(.file(path)), .sqlite)
        case .sqliteMemory:
            return (.sqlite(.memory), .sqlite)
        case .postgres(let url):
            var config = try SQLPostgresConfiguration(url: url)
            config.searchPath = nil
            return (.postgres(configuration: config), .psql)
        }
    }

    /// The URL with any password masked, for logs.
    public var redacted: String {
        switch self {
        case .sqliteFile(let path): return "sqlite:\(path)"
        case .sqliteMemory: return "sqlite::memory:"
        case .postgres(let url):
            guard var parts = URLComponents(string: url) else { return "postgres://…" }
            if parts.password != nil { parts.password = "***" }
            return parts.string ?? "postgres://…"
        }
    }
}
