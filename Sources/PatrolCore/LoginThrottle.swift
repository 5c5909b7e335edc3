import Foundation

/// The lockout rule: after `maxFailures` consecutive failed logins the account is locked for
/// `lockDuration`; a success resets the count. Failures while locked are not counted (the count
/// stops at `maxFailures`), and a lock that has run out forgets the failures before it.
/// `User.countFailedLogin` applies this same rule in one conditional UPDATE, so that parallel
/// attempts on any number of server processes are counted one by one.
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

    /// The failure count and lock after one more failure; unchanged while the account is locked.
    public func afterFailure(failures: Int, lockedUntil: Date? = nil, now: Date) -> (failures: Int, lockedUntil: Date?) {
        if isLocked(lockedUntil: lockedUntil, now: now) { return (failures, lockedUntil) }
        let count = (lockedUntil == nil ? failures : 0) + 1
        return (count, count >= maxFailures ? now.addingTimeInterval(lockDuration) : nil)
    }
}
