import PatrolCore

/// Where a bundle's checked findings come from, a batch at a time: a file read as a stream, or a
/// bundle already in memory. `BundleImporter` drains it inside its one transaction.
///
/// Sendable only so that the transaction's closure may hold it: a source is drained by one task
/// from start to end, never shared.
public protocol BundleFindingSource: AnyObject, Sendable {
    /// The next findings, at most `limit` of them; nil after the last.
    func nextFindings(limit: Int) throws -> [CheckedBundle.Finding]?
    /// The checks that need every finding, before anything is committed.
    func finish() throws
}
