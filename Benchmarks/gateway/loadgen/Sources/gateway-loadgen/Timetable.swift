/// The open-model schedule of one connection: request `i` is due at `first + i × interval`
/// (nanoseconds, monotonic clock), for every due time before `end`. The connections of a run are
/// offset from each other by `1 / rate`, so together they send at the requested rate, evenly spaced.
///
/// A request's latency is counted from its due time, not from when it actually went out: a server
/// that stalls delays every request queued behind the stall, and each of them counts the wait
/// (what wrk2 calls correcting coordinated omission).
struct Timetable: Sendable {
    let first: UInt64
    let interval: Double
    let end: UInt64
    private(set) var next = 0

    init(first: UInt64, interval: Double, end: UInt64) {
        precondition(interval > 0)
        self.first = first
        self.interval = interval
        self.end = end
    }

    /// When the next request is due, or nil once the timetable has run out.
    var due: UInt64? { dueTime(of: next) }

    /// Takes the next request off the timetable.
    mutating func advance() { next += 1 }

    /// Requests due before `end` that were never taken (not sent by the end of the run).
    var remaining: Int {
        guard end > first else { return 0 }
        // The estimate, corrected to the same rounding `due` uses.
        var total = Int((Double(end - first) / interval).rounded(.up))
        while total > 0, dueTime(of: total - 1) == nil { total -= 1 }
        while dueTime(of: total) != nil { total += 1 }
        return max(0, total - next)
    }

    private func dueTime(of index: Int) -> UInt64? {
        let t = first &+ UInt64((Double(index) * interval).rounded())
        return t < end ? t : nil
    }
}
