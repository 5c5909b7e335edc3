import FluentKit
import Foundation
import PatrolCore

/// A finding (SPEC §3): a vulnerability, traces of an intrusion, or an asset discrepancy.
public final class Finding: Model, @unchecked Sendable {
    public static let schema = "findings"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "campaign_id") public var campaign: Campaign
    @Field(key: "code") public var code: String
    @Parent(key: "unit_id") public var unit: Unit
    @OptionalParent(key: "asset_id") public var asset: Asset?
    @Parent(key: "team_id") public var team: Team
    @OptionalParent(key: "submitted_by_id") public var submittedBy: User?
    @Field(key: "kind") public var kind: FindingKind
    @OptionalField(key: "severity") public var severity: Severity?
    @OptionalField(key: "type") public var type: String?
    @Field(key: "title") public var title: String
    @OptionalField(key: "description") public var description: String?
    @OptionalField(key: "reproduction") public var reproduction: String?
    @OptionalField(key: "url") public var url: String?
    /// Paths of shells and scripts the testers uploaded (JSON list); the unit must delete them.
    @Field(key: "shell_paths") public var shellPathsJSON: String
    @Field(key: "weak_password") public var weakPassword: Bool
    @Field(key: "sensitive_records") public var sensitiveRecords: Int
    @Field(key: "status") public var status: FindingStatus
    @OptionalParent(key: "duplicate_of_id") public var duplicateOf: Finding?
    @OptionalField(key: "review_note") public var reviewNote: String?
    @OptionalParent(key: "notice_id") public var notice: Notice?
    @Field(key: "submitted_at") public var submittedAt: Date
    @OptionalField(key: "verified_at") public var verifiedAt: Date?
    /// The remediation clock starts here (SPEC §3).
    @OptionalField(key: "notified_at") public var notifiedAt: Date?
    @OptionalField(key: "closed_at") public var closedAt: Date?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    @Children(for: \.$finding) public var reports: [RemediationReport]

    public init() {}

    public var shellPaths: [String] {
        get { JSONText.strings(shellPathsJSON) }
        set { shellPathsJSON = JSONText.encode(newValue) }
    }
}
