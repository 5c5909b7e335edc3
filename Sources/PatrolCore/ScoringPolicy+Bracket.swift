extension ScoringPolicy {
    /// The remediation bracket a fix falls in when it took `elapsed` milliseconds from the notice
    /// (SPEC §5), or nil past the last bracket (late). The scoring engine and the pages that tell
    /// a unit what a pending retest will mean both ask here.
    public func bracket(forElapsed elapsed: EpochMillis) -> Bracket? {
        remediationBrackets.first { elapsed <= EpochMillis($0.withinHours) * ScoringEngine.hour }
    }
}
