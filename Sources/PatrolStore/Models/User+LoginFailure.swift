import FluentKit
import Foundation
import PatrolCore
import SQLKit

extension User {
    /// Counts one failed sign-in as `LoginThrottle.afterFailure` says, in a single conditional
    /// UPDATE: the database serialises parallel attempts on the row (on every server process), so
    /// a hundred at once lock after `maxFailures`, and the `WHERE` leaves a locked account's count
    /// alone. Returns the count and lock after this failure, or nil when the account was already
    /// locked (the attempt was not counted) or is gone.
    public static func countFailedLogin(id: UUID, throttle: LoginThrottle, now: Date,
                                        on db: any Database) async throws -> (failures: Int, lockedUntil: Date?)? {
        guard let sql = db as? any SQLDatabase else { fatalError("Patrol's databases are SQL databases") }
        // Every right-hand side reads the row as it was, so `counted` is the count before the update.
        let counted = SQLQueryString("(CASE WHEN locked_until IS NULL THEN failed_logins ELSE 0 END) + 1")
        let row = try await sql.raw("""
            UPDATE \(ident: schema) SET failed_logins = \(counted),
                locked_until = CASE WHEN \(counted) >= \(bind: throttle.maxFailures)
                                    THEN \(bind: now.addingTimeInterval(throttle.lockDuration)) ELSE NULL END
            WHERE id = \(bind: id) AND (locked_until IS NULL OR locked_until <= \(bind: now))
            RETURNING failed_logins, locked_until
            """).first()
        guard let row else { return nil }
        return (try row.decode(column: "failed_logins", as: Int.self),
                try row.decode(column: "locked_until", as: Date?.self))
    }

    /// Clears the count after a right password, unless the account was locked in the meantime (by
    /// parallel failures elsewhere): then false, and the sign-in is refused like any while locked.
    public static func clearFailedLogins(id: UUID, now: Date, on db: any Database) async throws -> Bool {
        guard let sql = db as? any SQLDatabase else { fatalError("Patrol's databases are SQL databases") }
        let row = try await sql.raw("""
            UPDATE \(ident: schema) SET failed_logins = 0, locked_until = NULL, last_login_at = \(bind: now)
            WHERE id = \(bind: id) AND (locked_until IS NULL OR locked_until <= \(bind: now))
            RETURNING id
            """).first()
        return row != nil
    }
}
