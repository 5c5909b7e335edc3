import Vapor

/// A unit's remediation report on a notified finding.
public struct RemediationDraft: Content {
    public var summary: String?
    /// The liaison confirms every uploaded shell was deleted (required when the finding lists any).
    public var shellsRemoved: Bool?

    public init(summary: String? = nil, shellsRemoved: Bool? = nil) {
        self.summary = summary
        self.shellsRemoved = shellsRemoved
    }
}
