import Foundation

/// The gateway's tunables: `PATROL_GATEWAY_*` in the environment, overridden by the admin's stored
/// settings of the same name (re-read on every refresh, so a change reaches every node within a second).
public struct GatewaySettings: Sendable, Equatable {
    /// Requests per second each team may make (token bucket refill), and the bucket's size.
    public var ratePerSecond: Double = 200
    public var burst: Double = 400
    /// Recorded bytes of each request and response body; the rest is counted, not kept.
    public var bodyCapBytes: Int = 64 * 1024
    /// Records older than this many days are deleted; 0 keeps them for ever.
    public var retentionDays: Int = 0
    /// Connections with no traffic either way for this long are closed (idle and half-open ones).
    public var idleTimeout: TimeInterval = 300
    public var connectTimeout: TimeInterval = 10

    public init() {}

    public static let keys = ["PATROL_GATEWAY_RATE", "PATROL_GATEWAY_BURST", "PATROL_GATEWAY_BODY_CAP_KB",
                              "PATROL_GATEWAY_RETENTION_DAYS", "PATROL_GATEWAY_IDLE_SECONDS"]

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var key: String
        public var value: String
        public var description: String {
            "\(key) 的值 \"\(value)\" 无效 / \(key) has an unusable value \"\(value)\": \(Self.expectation(key))"
        }
        static func expectation(_ key: String) -> String {
            switch key {
            case "PATROL_GATEWAY_RATE": "requests per second per team, 1 to 100000"
            case "PATROL_GATEWAY_BURST": "a burst size, 1 to 1000000"
            case "PATROL_GATEWAY_BODY_CAP_KB": "kibibytes per body, 0 to 10240"
            case "PATROL_GATEWAY_RETENTION_DAYS": "days, 0 (keep) to 3650"
            default: "seconds, 5 to 86400"
            }
        }
    }

    /// `environment` overlaid with `stored`; a bad value is named, never silently replaced.
    public static func resolve(environment: [String: String], stored: [String: String]) throws -> GatewaySettings {
        var s = GatewaySettings()
        func value(_ key: String) -> String? {
            let v = stored[key] ?? environment[key]
            return (v?.isEmpty ?? true) ? nil : v?.trimmingCharacters(in: .whitespaces)
        }
        func number(_ key: String, _ range: ClosedRange<Double>) throws -> Double? {
            guard let text = value(key) else { return nil }
            guard let n = Double(text), range.contains(n) else { throw Invalid(key: key, value: text) }
            return n
        }
        if let n = try number("PATROL_GATEWAY_RATE", 1...100_000) { s.ratePerSecond = n; s.burst = max(s.burst, n) }
        if let n = try number("PATROL_GATEWAY_BURST", 1...1_000_000) { s.burst = n }
        if let n = try number("PATROL_GATEWAY_BODY_CAP_KB", 0...10240) { s.bodyCapBytes = Int(n * 1024) }
        if let n = try number("PATROL_GATEWAY_RETENTION_DAYS", 0...3650) { s.retentionDays = Int(n) }
        if let n = try number("PATROL_GATEWAY_IDLE_SECONDS", 5...86400) { s.idleTimeout = n }
        return s
    }
}
