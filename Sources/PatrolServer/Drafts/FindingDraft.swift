import Vapor

/// What a tester submits or corrects about a finding: the API's JSON body, the web form (through
/// `FindingForm`) and the command line all fill this one type, and the finding
/// lifecycle checks it field by field. Absent fields are left as they are when correcting.
public struct FindingDraft: Content {
    public var unit: String?
    public var asset: String?
    public var kind: String?
    public var severity: String?
    public var type: String?
    public var title: String?
    public var description: String?
    public var reproduction: String?
    public var url: String?
    public var weakPassword: Bool?
    public var sensitiveRecords: Int?
    public var shellPaths: [String]?

    public init(unit: String? = nil, asset: String? = nil, kind: String? = nil, severity: String? = nil, type: String? = nil, title: String? = nil, description: String? = nil, reproduction: String? = nil, url: String? = nil, weakPassword: Bool? = nil, sensitiveRecords: Int? = nil, shellPaths: [String]? = nil) {
        self.unit = unit
        self.asset = asset
        self.kind = kind
        self.severity = severity
        self.type = type
        self.title = title
        self.description = description
        self.reproduction = reproduction
        self.url = url
        self.weakPassword = weakPassword
        self.sensitiveRecords = sensitiveRecords
        self.shellPaths = shellPaths
    }
}
