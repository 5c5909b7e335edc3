import Vapor

/// A notice (通报) to issue: one unit and verified findings of it.
public struct NoticeDraft: Content {
    public var unit: String?
    public var findings: [String]?

    public init(unit: String? = nil, findings: [String]? = nil) {
        self.unit = unit
        self.findings = findings
    }
}
