/// A per-team rate limit (SPEC §6): `burst` requests at once, refilled at `ratePerSecond`.
/// Time comes from the caller's monotonic clock, so the bucket is a plain value a test can drive.
public struct TokenBucket: Sendable {
    public let ratePerSecond: Double
    public let burst: Double
    private var tokens: Double
    /// The time of the last refill; nil until the first request, since a new bucket is full anyway.
    private var refilledAt: UInt64?

    /// A full bucket.
    public init(ratePerSecond: Double, burst: Double) {
        self.ratePerSecond = ratePerSecond
        self.burst = burst
        self.tokens = burst
    }

    /// Refills for the time since the last call (never beyond `burst`), then takes one token if
    /// there is a whole one. A clock reading earlier than the last one refills nothing.
    public mutating func take(atNanoseconds now: UInt64) -> Bool {
        if let last = refilledAt {
            if now > last {
                tokens = min(burst, tokens + Double(now - last) * ratePerSecond / 1e9)
                refilledAt = now
            }
        } else {
            refilledAt = now
        }
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
