import Vapor

/// The organiser's retest of a remediation report: `passed` or `failed` (with a note).
public struct RetestDraft: Content {
    public var result: String?
    public var note: String?

    public init(result: String? = nil, note: String? = nil) {
        self.result = result
        self.note = note
    }
}
