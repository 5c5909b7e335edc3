import Fluent
import SQLKit
import PatrolCore
import PatrolSMS
import PatrolStore
import Vapor

extension Application {
    private struct SMSEnvironmentKey: StorageKey { typealias Value = [String: String] }
    /// The `PATROL_SMS_*` environment `patrol serve` started with (empty: the log provider).
    public var smsEnvironment: [String: String] {
        get { storage[SMSEnvironmentKey.self] ?? [:] }
        set { storage[SMSEnvironmentKey.self] = newValue }
    }
}

/// The admin's SMS page (SPEC §4): the provider in use (never its secrets), template previews with
/// length and segment count, the outbox with filters, each message's attempts and last error,
/// resend of failed messages, and a test send.
struct SMSController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, .sms, access: .policy(.viewSMS), use: page)
        routes.endpoint(.GET, .api(.sms), access: .policy(.viewSMS), use: apiList)
        routes.endpoint(.POST, .smsMessage(.key, .resend), access: .policy(.viewSMS), use: resend)
        routes.endpoint(.POST, .smsTest, access: .policy(.viewSMS), use: testSend)
        routes.endpoint(.POST, .smsSettings, access: .policy(.viewSMS), use: saveSettings)
    }

    /// The form's fields and the settings they stand for.
    static let fields: [(form: String, key: String)] = [
        ("provider", "PATROL_SMS_PROVIDER"), ("endpoint", "PATROL_SMS_ENDPOINT"), ("keyID", "PATROL_SMS_KEY_ID"),
        ("keySecret", "PATROL_SMS_KEY_SECRET"), ("signName", "PATROL_SMS_SIGN_NAME"), ("appID", "PATROL_SMS_APP_ID"),
        ("region", "PATROL_SMS_REGION"), ("templateNotice", "PATROL_SMS_TEMPLATE_NOTICE"),
        ("templateReminder", "PATROL_SMS_TEMPLATE_REMINDER"), ("templateReturned", "PATROL_SMS_TEMPLATE_RETURNED"),
        ("reminderLead", "PATROL_SMS_REMINDER_LEAD_MINUTES"), ("phoneInterval", "PATROL_SMS_PHONE_INTERVAL_SECONDS"),
    ]

    /// SMS length as carriers count it: 70 characters fit one message, longer ones go in 67-character segments.
    static func segments(_ text: String) -> Int {
        let n = text.count
        return n <= 70 ? 1 : (n + 66) / 67
    }

    struct PageView: Encodable {
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
        var counts: [Setting]
        var form: [String: String]
        var providers: [Option]
        var secretSet: Bool
        var message: String?
        var error: String?
    }

    struct Filter: Decodable { var status: String?; var event: String?; var unit: String?; var q: String? }

    func view(_ req: Request, message: String? = nil, error: String? = nil, typed: [String: String]? = nil) async throws -> PageView {
        let environment = req.application.smsEnvironment
        let s = (try? await SMSSettings.effective(environment: environment, on: req.db)) ?? SMSSettings()
        let filter = try req.query.decode(Filter.self)
        func masked(_ v: String) -> String { v.isEmpty ? "—" : String(v.prefix(4)) + "…" }
        var settings: [PageView.Setting] = [
            .init(label: req.t("sms.provider"), value: s.provider.rawValue),
            .init(label: req.t("sms.endpoint"), value: s.endpoint?.absoluteString ?? req.t("sms.defaultEndpoint")),
        ]
        if s.provider != .log {
            settings += [.init(label: req.t("sms.keyID"), value: masked(s.keyID)),
                         .init(label: req.t("sms.secret"), value: s.keySecret.isEmpty ? "—" : req.t("sms.secretSet")),
                         .init(label: req.t("sms.signName"), value: s.signName.isEmpty ? "—" : s.signName)]
            for event in ["notice", "reminder", "returned"] {
                settings.append(.init(label: req.t("sms.template.\(event)"), value: s.templates[event] ?? "—"))
            }
        }
        settings.append(.init(label: req.t("sms.reminderLead"), value: "\(Int(s.reminderLead / 60))"))
        settings.append(.init(label: req.t("sms.phoneInterval"), value: "\(Int(s.phoneInterval))"))
        let samples = SMSEvent.samples.map { ($0.name, $0.text) }
        var query = SMSMessage.query(on: req.db)
        if let st = filter.status.flatMap(SMSMessage.Status.init(rawValue:)) { query = query.filter(\.$status == st) }
        if let ev = filter.event, !ev.isEmpty { query = query.filter(\.$event == ev) }
        // A message names its unit in its parameters (`"unit":"溧阳市"`). Filters run in the query,
        // before the limit, so older matches are not cut off.
        let units = try await PatrolStore.Unit.query(on: req.db).sort(\.$code).all()
        if let code = filter.unit, !code.isEmpty, let unit = units.first(where: { $0.code == code }) {
            query = query.filter(\.$paramsJSON, .contains(inverse: false, .anywhere), "\"unit\":\"\(unit.name)\"")
        }
        if let q = filter.q?.trimmingCharacters(in: .whitespaces), !q.isEmpty {
            query = query.group(.or) {
                $0.filter(\.$phone, .contains(inverse: false, .anywhere), q)
                    .filter(\.$body, .contains(inverse: false, .anywhere), q)
                    .filter(\.$paramsJSON, .contains(inverse: false, .anywhere), q)
            }
        }
        let messages = try await query.sort(\.$createdAt, .descending).limit(500).all()
        struct CountRow: Decodable { var status: String; var n: Int }
        let countRows = try await (req.db as! any SQLDatabase)
            .raw("SELECT status, COUNT(*) AS n FROM sms_messages GROUP BY status").all(decoding: CountRow.self)
        let byStatus = Dictionary(countRows.compactMap { r in SMSMessage.Status(rawValue: r.status).map { ($0, r.n) } }, uniquingKeysWith: +)
        let counts = SMSMessage.Status.allCases.map {
            PageView.Setting(label: req.t("sms.status.\($0.rawValue)"), value: String(byStatus[$0] ?? 0))
        }
        let tz = req.application.patrolOptions.timeZone
        let f = DateFormatter()
        f.timeZone = tz
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        // The form shows what is in force (never the secret); after a refusal, what was typed.
        var form: [String: String] = [
            "provider": s.provider.rawValue, "endpoint": s.endpoint?.absoluteString ?? "", "keyID": s.keyID, "signName": s.signName,
            "appID": s.appID, "region": s.region, "templateNotice": s.templates["notice"] ?? "",
            "templateReminder": s.templates["reminder"] ?? "", "templateReturned": s.templates["returned"] ?? "",
            "reminderLead": String(Int(s.reminderLead / 60)), "phoneInterval": String(Int(s.phoneInterval)),
        ]
        if let typed { for (k, v) in typed where k != "keySecret" { form[k] = v } }
        return PageView(
            settings: settings,
            previews: samples.map { .init(event: req.t("sms.event.\($0.0)"), text: $0.1, length: $0.1.count, segments: Self.segments($0.1)) },
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
            q: filter.q ?? "", counts: counts, form: form,
            providers: SMSSettings.Provider.allCases.map { .init(value: $0.rawValue, label: req.t("sms.provider.\($0.rawValue)"), selected: $0.rawValue == form["provider"]) },
            secretSet: !s.keySecret.isEmpty, message: message, error: error)
    }

    /// The admin changes the provider: checked as a whole (each missing value named) before it is
    /// stored; a blank secret keeps the current one; the audit entry never carries the secret.
    func saveSettings(req: Request) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        let environment = req.application.smsEnvironment
        let stored = try await Setting.all(prefix: "PATROL_SMS_", on: req.db)
        var changes: [String: String] = [:]
        for (field, key) in Self.fields {
            let value = (form[field] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if field == "keySecret" && value.isEmpty { continue }
            changes[key] = value
        }
        let candidate = environment.merging(stored) { $1 }.merging(changes) { $1 }.filter { !$0.value.isEmpty }
        do {
            _ = try SMSSettings.fromEnvironment(candidate)
        } catch {
            let page = try await req.page("sms", title: req.t("sms.title"),
                                          content: try await view(req, error: req.t("error.sms.settings", ["detail": "\(error)"]), typed: form))
            let res = try await page.encodeResponse(for: req)
            res.status = .unprocessableEntity
            return res
        }
        let changed = changes.filter { (stored[$0.key] ?? environment[$0.key] ?? "") != $0.value }
        let toStore = changes
        try await req.db.transaction { db in
            try await Setting.store(toStore, on: db)
            try await AuditLog.append(on: db, req.auditContext, action: "sms.settings", objectType: "settings", objectID: "sms",
                                      details: Dictionary(uniqueKeysWithValues: changed.map {
                                          ($0.key, $0.key == "PATROL_SMS_KEY_SECRET" ? "(changed)" : $0.value)
                                      }))
        }
        return req.seeOther(SiteURL.sms.path)
    }

    func page(req: Request) async throws -> View {
        try await req.page("sms", title: req.t("sms.title"), content: try await view(req))
    }

    func resend(req: Request) async throws -> Response {
        guard let id = req.parameters.get("message", as: UUID.self) else { throw PatrolError.notFound }
        let done = try await req.db.transaction { db in
            guard try await SMSOutbox.resend(id, now: Date(), on: db) else { return false }
            try await AuditLog.append(on: db, req.auditContext, action: "sms.resend", objectType: "sms", objectID: id.uuidString)
            return true
        }
        guard done else { throw PatrolError.conflict("error.sms.notFailed") }
        return req.seeOther(SiteURL.sms.path)
    }

    struct TestForm: Content { var phone: String? }

    func testSend(req: Request) async throws -> Response {
        let form = try req.content.decode(TestForm.self)
        guard let phone = form.phone.flatMap(Phone.normalizedMainlandMobile) else {
            let view = try await req.page("sms", title: req.t("sms.title"),
                                          content: try await view(req, error: req.t("error.phone.invalid", ["phone": form.phone ?? ""])))
            let res = try await view.encodeResponse(for: req)
            res.status = .unprocessableEntity
            return res
        }
        let now = Date()
        try await req.db.transaction { db in
            try await SMSMessage(campaignID: nil, event: .test, dedupeKey: "test:\(UUID().uuidString)", phone: phone, now: now).create(on: db)
            try await AuditLog.append(on: db, req.auditContext, action: "sms.test", objectType: "sms", objectID: phone)
        }
        return req.seeOther(SiteURL.sms.path(query: [("event", "test")]))
    }
}

extension SMSController {
    /// The newest outbox messages for the API.
    func apiList(req: Request) async throws -> [SMSDTO] {
        try await SMSMessage.query(on: req.db).sort(\.$createdAt, .descending).limit(500).all().map {
            SMSDTO(id: $0.id, event: $0.event, phone: $0.phone, text: $0.body, status: $0.status.rawValue, attempts: $0.attempts,
                   createdAt: $0.createdAt, sentAt: $0.sentAt, lastError: $0.lastError)
        }
    }
}
