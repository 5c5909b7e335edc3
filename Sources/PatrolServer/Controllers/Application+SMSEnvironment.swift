import Vapor

extension Application {
    private struct SMSEnvironmentKey: StorageKey { typealias Value = [String: String] }
    /// The `PATROL_SMS_*` environment `patrol serve` started with (empty: the log provider).
    public var smsEnvironment: [String: String] {
        get { storage[SMSEnvironmentKey.self] ?? [:] }
        set { storage[SMSEnvironmentKey.self] = newValue }
    }
}
