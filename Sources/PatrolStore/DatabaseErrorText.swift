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

/// True when the database refused the data itself — a constraint, a value of the wrong type or
/// size, text it cannot hold — so that writing the same rows again in smaller pieces can find the
/// row at fault. False for everything else (busy or locked, I/O, disk full, read-only, a missing
/// table, a lost connection or pool timeout, a server shutting down): trying again row by row
/// would only repeat it.
public func databaseErrorMayBeTheRows(_ error: any Error) -> Bool {
    if let failure = error as? SQLiteRecordWriter.Failure {
        // TOOBIG, CONSTRAINT (triggers' RAISE included), MISMATCH; extended codes keep the primary
        // code in their low byte.
        return [18, 19, 20].contains(failure.code & 0xFF)
    }
    if let postgres = error as? PSQLError {
        guard postgres.code == .server, let state = postgres.serverInfo?[.sqlState] else { return false }
        // Data exception (22: invalid text encoding, out-of-range values), integrity constraint
        // violation (23), program limit exceeded (54: a value too large).
        return ["22", "23", "54"].contains(String(state.prefix(2)))
    }
    return false
}
