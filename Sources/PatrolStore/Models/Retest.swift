import FluentKit
import Foundation
import PatrolCore

/// A reviewer's retest (复测) of a remediation report: passed closes the finding, failed returns it.
public final class Retest: Model, @unchecked Sendable {
    public static let schema = "retests"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "report_id") public var report: RemediationReport
    @Field(key: "result") public var result: RetestResult
    @OptionalField(key: "reason") public var reason: String?
    @Field(key: "decided_at") public var decidedAt: Date
    @OptionalParent(key: "decided_by_id") public var decidedBy: User?
    /// Advice from checking that listed shell paths are gone (JSON), shown to the reviewer.
    @OptionalField(key: "shell_checks") public var shellChecksJSON: String?

    public init() {}

    public init(reportID: UUID, result: RetestResult, reason: String?, decidedAt: Date, decidedByID: UUID? = nil) {
        self.$report.id = reportID
        self.result = result
        self.reason = reason
        self.decidedAt = decidedAt
        self.$decidedBy.id = decidedByID
    }
}
