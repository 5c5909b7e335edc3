import FluentPostgresDriver

/// A database error as an operator can act on it in a log line. PostgresNIO prints every error as
/// the same generic text (to keep query data out of logs), which left "records not yet written:
/// PSQLError – Generic description…" with nothing to go on. The server's own message and SQLSTATE
/// name the problem without the row's values (those are in the error's detail, left out here).
public func databaseErrorText(_ error: any Error) -> String {
    if let postgres = error as? PSQLError {
        if let info = postgres.serverInfo, let message = info[.message] {
            return "PostgreSQL \(info[.sqlState] ?? "?"): \(message)"
        }
        return "PostgreSQL: \(postgres.code)"
    }
    return String(describing: error)
}
