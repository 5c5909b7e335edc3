import Foundation

extension DatabaseLocation {
    /// The TCP port the database server listens on (PostgreSQL's default 5432 when the URL names
    /// none); nil for SQLite. The gateway refuses it as a target: it is Patrol's own database.
    public var serverPort: Int? {
        guard case .postgres(let url) = self else { return nil }
        return URLComponents(string: url)?.port ?? 5432
    }
}
