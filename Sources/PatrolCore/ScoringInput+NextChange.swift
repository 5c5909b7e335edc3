/// When a sheet scored at `at` stops being the sheet of a later instant, with the data unchanged.
/// Time enters the scoring standard in one place: a notified, unfixed finding turns from pending
/// into unfixed once `unfixedAfterHours` have passed (SPEC §5). A memo of the sheet may be reused
/// until the first such turn after `at`, and no longer.
extension ScoringInput {
    /// The first instant after `at` at which some finding's remediation line changes, or nil when
    /// none will (every notified finding is fixed or already past the mark).
    public var nextChange: EpochMillis? {
        let mark = EpochMillis(policy.unfixedAfterHours) * ScoringEngine.hour
        var next: EpochMillis?
        for f in findings where f.status.isCounted && f.kind != .assetDiscrepancy {
            guard let notified = f.notifiedAt, f.fixedAt == nil else { continue }
            // The engine counts a finding unfixed once `at - notified > mark`: one millisecond past it.
            let turn = notified + mark + 1
            if turn > at, next == nil || turn < next! { next = turn }
        }
        return next
    }
}
