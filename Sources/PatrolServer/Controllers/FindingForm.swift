import PatrolCore
import Vapor

/// What the finding form posts (submit and edit); turned into the one `FindingDraft` the API and
/// the command line fill too, so every caller is checked the same way.
struct FindingForm: Content {
    var unit: String?
    var asset: String?
    var kind: String?
    var severity: String?
    var type: String?
    var title: String?
    var description: String?
    var reproduction: String?
    var url: String?
    var weakPassword: String?
    var sensitiveRecords: String?
    var shellPaths: String?
    var files: [File]?

    var draft: FindingDraft {
        get throws {
            var records: Int?
            if let text = sensitiveRecords?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
                guard let n = Int(text) else { throw PatrolError.invalid("error.finding.negative", ["field": "sensitiveRecords"]) }
                records = n
            }
            return .init(unit: unit, asset: asset?.nonEmpty, kind: kind, severity: severity?.nonEmpty, type: type?.nonEmpty,
                         title: title, description: description, reproduction: reproduction, url: url,
                         weakPassword: weakPassword != nil, sensitiveRecords: records ?? 0,
                         shellPaths: (shellPaths ?? "").split(whereSeparator: \.isNewline).map(String.init))
        }
    }
}
