import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// The submit and edit form of a finding (`finding-form` template), with what was typed and,
/// after a refusal, why.
struct FindingFormPage: Encodable {
    typealias Option = SelectOption
    var action, cancelHref: String
    var editing: Bool
    var code: String?
    var infoRequest: String?
    var units: [Option]
    var assets: [Option]
    var kinds: [Option]
    var severities: [Option]
    var types: [Option]
    var title, description, reproduction, url, shellPaths: String
    var weakPassword: Bool
    var sensitiveRecords: String
    var error: String?
    var windowOpen: Bool
    var windowText: String
    var uploadLimit: String
}

extension FindingFormPage {
    /// The form for a new finding (`finding` nil) or for correcting `finding`.
    init(_ req: Request, campaign: Campaign, form: FindingForm, finding: Finding?, error: String?) async throws {
        let units = try await campaign.$units.query(on: req.db).sort(\.$code).all()
        let assets = try await Asset.query(on: req.db).filter(\.$campaign.$id == (try campaign.requireID())).with(\.$unit).sort(\.$code).all()
        let now = Date()
        self.init(
            action: campaign.url(finding.map { .finding(.value($0.code), .page) } ?? .findings).path,
            cancelHref: campaign.url(finding.map { .finding(.value($0.code), .page) } ?? .findings).path,
            editing: finding != nil, code: finding?.code, infoRequest: finding?.status == .needInfo ? finding?.reviewNote : nil,
            units: units.map { .init(value: $0.code, label: "\($0.code) \($0.name)", selected: $0.code == form.unit) },
            assets: assets.map { .init(value: $0.code, label: "\($0.code) · \($0.target)", selected: $0.code == form.asset) },
            kinds: FindingKind.allCases.map { .init(value: $0.rawValue, label: req.t("finding.kind.\($0.rawValue)"), selected: $0.rawValue == form.kind) },
            severities: Severity.allCases.map {
                .init(value: $0.rawValue, label: req.t("finding.severity.\($0.rawValue)"), selected: $0.rawValue == form.severity)
            },
            types: FindingType.allCases.map { .init(value: $0.name, label: $0.name, selected: $0.name == form.type || $0.rawValue == form.type) },
            title: form.title ?? "", description: form.description ?? "", reproduction: form.reproduction ?? "", url: form.url ?? "",
            shellPaths: form.shellPaths ?? "", weakPassword: form.weakPassword != nil,
            sensitiveRecords: form.sensitiveRecords ?? "0", error: error,
            windowOpen: campaign.testingWindow.isOpen(at: now),
            windowText: "\(req.timeText(campaign.startsAt, in: campaign)) — \(req.timeText(campaign.endsAt, in: campaign))",
            uploadLimit: String(req.application.patrolOptions.uploadMaxBytes / 1024 / 1024))
    }
}
