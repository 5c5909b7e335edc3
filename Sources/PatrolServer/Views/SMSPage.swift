import Fluent
import Foundation
import PatrolSMS
import PatrolStore
import Vapor

/// The admin's SMS page (`sms` template): the provider in use (never its secrets), template
/// previews with length and segment count, the outbox with filters and counts, and the settings form.
struct SMSPage: Encodable {
    struct Setting: Encodable { var label, value: String }
    struct Preview: Encodable { var event, text: String; var length, segments: Int }
    struct Row: Encodable {
        var id, event, phone, text, status, statusName, createdAt, sentAt, lastError, provider: String
        var attempts: Int
        var canResend: Bool
        var resendAction: String
    }
    var settingsAction = SiteURL.smsSettings.path
    var testAction = SiteURL.smsTest.path
    typealias Option = SelectOption
    var settings: [Setting]
    var previews: [Preview]
    var rows: [Row]
    var statuses: [Option]
    var events: [Option]
    var units: [Option]
    var q: String
    var pager: Pager
    var counts: [Setting]
    var form: [String: String]
    var providers: [Option]
    var secretSet: Bool
    var message: String?
    var error: String?

    /// The outbox filters of the query string.
    struct Filter: Decodable { var status: String?; var event: String?; var unit: String?; var q: String?; var page: Int? }
}

extension SMSPage {
    /// The page for the request's filters; after a refusal (`typed`), the form shows what was typed
    /// (never the secret).
    init(_ req: Request, message: String? = nil, error: String? = nil, typed: [String: String]? = nil) async throws {
        let environment = req.application.smsEnvironment
        let s = (try? await SMSSettings.effective(environment: environment, on: req.db)) ?? SMSSettings()
        let filter = try req.query.decode(Filter.self)
        func masked(_ v: String) -> String { v.isEmpty ? "—" : String(v.prefix(4)) + "…" }
        var settings: [Setting] = [
            .init(label: req.t("sms.provider"), value: s.provider.rawValue),
            .init(label: req.t("sms.endpoint"), value: s.endpoint?.absoluteString ?? req.t("sms.defaultEndpoint")),
        ]
        if s.provider != .log {
            settings += [.init(label: req.t("sms.keyID"), value: masked(s.keyID)),
                         .init(label: req.t("sms.secret"), value: s.keySecret.isEmpty ? "—" : req.t("sms.secretSet")),
                         .init(label: req.t("sms.signName"), value: s.signName.isEmpty ? "—" : s.signName)]
            for event in SMSTemplate.allCases.map(\.rawValue) {
                settings.append(.init(label: req.t("sms.template.\(event)"), value: s.templates[event] ?? "—"))
            }
        }
        settings.append(.init(label: req.t("sms.reminderLead"), value: "\(Int(s.reminderLead / 60))"))
        settings.append(.init(label: req.t("sms.phoneInterval"), value: "\(Int(s.phoneInterval))"))
        let samples = SMSEvent.samples.map { ($0.name, $0.text) }
        let units = try await PatrolStore.Unit.query(on: req.db).sort(\.$code).all()
        let unitName = filter.unit.flatMap { code in code.isEmpty ? nil : units.first(where: { $0.code == code })?.name }
        let outbox = SMSMessage.outbox(status: filter.status.flatMap(SMSMessage.Status.init(rawValue:)), event: filter.event,
                                       unitName: unitName, text: filter.q?.trimmingCharacters(in: .whitespaces), on: req.db)
        let pager = Pager(req, total: try await outbox.copy().count(), asked: filter.page, url: .sms,
                          query: [("status", filter.status), ("event", filter.event), ("unit", filter.unit), ("q", filter.q)])
        let messages = try await outbox.sort(\.$createdAt, .descending).sort(\.$id).offset(pager.offset).limit(pager.size).all()
        let byStatus = try await SMSMessage.countsByStatus(on: req.db)
        let counts = SMSMessage.Status.allCases.map {
            Setting(label: req.t("sms.status.\($0.rawValue)"), value: String(byStatus[$0] ?? 0))
        }
        let f = DateFormatter()
        f.timeZone = req.application.patrolOptions.timeZone
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        // The form shows what is in force (never the secret); after a refusal, what was typed.
        var form: [String: String] = [
            "provider": s.provider.rawValue, "endpoint": s.endpoint?.absoluteString ?? "", "keyID": s.keyID, "signName": s.signName,
            "appID": s.appID, "region": s.region, "templateNotice": s.templates["notice"] ?? "",
            "templateReminder": s.templates["reminder"] ?? "", "templateReturned": s.templates["returned"] ?? "",
            "templateDeclaration": s.templates["declaration"] ?? "",
            "reminderLead": String(Int(s.reminderLead / 60)), "phoneInterval": String(Int(s.phoneInterval)),
        ]
        if let typed { for (k, v) in typed where k != "keySecret" { form[k] = v } }
        self.init(
            settings: settings,
            previews: samples.map { .init(event: req.t("sms.event.\($0.0)"), text: $0.1, length: $0.1.count, segments: SMSController.segments($0.1)) },
            rows: messages.map { m in
                .init(id: m.id!.uuidString, event: req.t("sms.event.\(m.event)"), phone: m.phone, text: m.body, status: m.status.rawValue,
                      statusName: req.t("sms.status.\(m.status.rawValue)"), createdAt: f.string(from: m.createdAt),
                      sentAt: m.sentAt.map(f.string) ?? "", lastError: m.lastError ?? "", provider: m.provider ?? "",
                      attempts: m.attempts, canResend: m.status == .failed,
                      resendAction: SiteURL.smsMessage(.value(m.id!.uuidString), .resend).path)
            },
            statuses: SMSMessage.Status.allCases.map { .init(value: $0.rawValue, label: req.t("sms.status.\($0.rawValue)"), selected: $0.rawValue == filter.status) },
            events: ["notice", "reminder", "returned", "test"].map { .init(value: $0, label: req.t("sms.event.\($0)"), selected: $0 == filter.event) },
            units: units.map { .init(value: $0.code, label: "\($0.code) \($0.name)", selected: $0.code == filter.unit) },
            q: filter.q ?? "", pager: pager, counts: counts, form: form,
            providers: SMSSettings.Provider.allCases.map { .init(value: $0.rawValue, label: req.t("sms.provider.\($0.rawValue)"), selected: $0.rawValue == form["provider"]) },
            secretSet: !s.keySecret.isEmpty, message: message, error: error)
    }
}
