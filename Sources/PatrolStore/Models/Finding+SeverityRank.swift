extension Finding {
    /// Severity as a rank, worst first (0 critical … 3 low, 4 without a severity): the findings
    /// list's severity order, and the expression index 024 builds on, written once so that the two
    /// stay the same text (SQLite uses an expression index only for the identical expression).
    public static let severityRankSQL =
        "CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END"
}
