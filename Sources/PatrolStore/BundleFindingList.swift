import PatrolCore

/// The findings of a bundle already checked in memory (the demo, the tests), as a source.
final class BundleFindingList: BundleFindingSource, @unchecked Sendable {
    private let findings: [CheckedBundle.Finding]
    private var next = 0

    init(_ findings: [CheckedBundle.Finding]) { self.findings = findings }

    func nextFindings(limit: Int) -> [CheckedBundle.Finding]? {
        guard next < findings.count else { return nil }
        let end = min(next + limit, findings.count)
        defer { next = end }
        return Array(findings[next..<end])
    }

    func finish() {}
}
