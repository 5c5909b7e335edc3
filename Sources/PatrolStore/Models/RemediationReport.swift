import FluentKit
import Foundation

/// A unit's remediation report (整改报告) on one finding.
public final class RemediationReport: Model, @unchecked Sendable {
    public static let schema = "remediation_reports"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "finding_id") public var finding: Finding
    @OptionalParent(key: "submitted_by_id") public var submittedBy: User?
    /// The fix time of the finding is this, if the report's retest passes.
    @Field(key: "submitted_at") public var submittedAt: Date
    @OptionalField(key: "description") public var description: String?
    /// Shell paths the unit confirms it deleted (JSON list).
    @Field(key: "shells_deleted") public var shellsDeletedJSON: String

    @Children(for: \.$report) public var retests: [Retest]

    public init() {}

    public init(findingID: UUID, submittedAt: Date, description: String?, shellsDeleted: [String], submittedByID: UUID? = nil) {
        self.$finding.id = findingID
        self.submittedAt = submittedAt
        self.description = description
        self.shellsDeletedJSON = JSONText.encode(shellsDeleted)
        self.$submittedBy.id = submittedByID
    }

    public var shellsDeleted: [String] { JSONText.strings(shellsDeletedJSON) }

    /// The report's verdict: its latest retest, if any (needs `retests` loaded).
    public var latestRetest: Retest? { retests.max { $0.decidedAt < $1.decidedAt } }
}
