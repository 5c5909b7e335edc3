import Vapor

/// A reviewer's decision on a submitted finding, from the API, the review form or the command line.
public struct ReviewDraft: Content {
    /// `verify`, `needInfo`, `reject` or `duplicate`.
    public var decision: String?
    public var severity: String?
    public var weakPassword: Bool?
    public var sensitiveRecords: Int?
    /// The original's code, for `duplicate`.
    public var duplicateOf: String?
    public var note: String?

    public init(decision: String? = nil, severity: String? = nil, weakPassword: Bool? = nil, sensitiveRecords: Int? = nil, duplicateOf: String? = nil, note: String? = nil) {
        self.decision = decision
        self.severity = severity
        self.weakPassword = weakPassword
        self.sensitiveRecords = sensitiveRecords
        self.duplicateOf = duplicateOf
        self.note = note
    }
}
