import FluentKit
import Foundation

/// Metadata of an uploaded file (evidence or a report attachment); the bytes live under
/// `PATROL_DATA_DIR` by content hash and are only ever served through an authorized route.
public final class EvidenceFile: Model, @unchecked Sendable {
    public static let schema = "evidence_files"

    @ID(key: .id) public var id: UUID?
    @OptionalParent(key: "finding_id") public var finding: Finding?
    @OptionalParent(key: "report_id") public var report: RemediationReport?
    @Field(key: "sha256") public var sha256: String
    @Field(key: "size") public var size: Int
    /// Decided by sniffing the content, not by the name.
    @Field(key: "content_type") public var contentType: String
    @Field(key: "original_name") public var originalName: String
    @OptionalParent(key: "uploaded_by_id") public var uploadedBy: User?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}
}
