import Foundation

/// The lockout rule: after `maxFailures` consecutive failed logins the account is locked for
/// `lockDuration`; a success resets the count.
public struct LoginThrottle: Sendable {
    public var maxFailures: Int
    public var lockDuration: TimeInterval

    public init(maxFailures: Int = 5, lockDuration: TimeInterval = 15 * 60) {
        self.maxFailures = maxFailures
        self.lockDuration = lockDuration
    }

    /// Whether the account is locked at `now`.
    public func isLocked(lockedUntil: Date?, now: Date) -> Bool {
        guard let lockedUntil else { return false }
        return lockedUntil > now
    }

    /// The new failure count and lock after one more failure.
    public func afterFailure(failures: Int, now: Date) -> (failures: Int, lockedUntil: Date?) {
        let count = failures + 1
        if count >= maxFailures { return (0, now.addingTimeInterval(lockDuration)) }
        return (count, nil)
    }
}
