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

/// False for failures that are the database's rather than the data's — busy or locked, I/O, disk
/// full, a lost connection, a server shutting down, a deadlock — where writing the same rows again
/// in smaller pieces would only repeat the failure. True when the database refused the statement.
public func databaseErrorMayBeTheRows(_ error: any Error) -> Bool {
    if error is CancellationError { return false }
    if let failure = error as? SQLiteRecordWriter.Failure {
        // BUSY, LOCKED, NOMEM, IOERR, CORRUPT, FULL, CANTOPEN, MISUSE (closed), NOTADB.
        return ![5, 6, 7, 10, 11, 13, 14, 21, 26].contains(failure.code & 0xFF)
    }
    if let postgres = error as? PSQLError {
        guard postgres.code == .server, let state = postgres.serverInfo?[.sqlState] else { return false }
        // Connection (08), transaction rollback (40), resources (53), operator intervention (57),
        // system (58).
        return !["08", "40", "53", "57", "58"].contains(String(state.prefix(2)))
    }
    return true
}
