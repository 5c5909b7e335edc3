import Fluent
import Foundation
import PatrolCore
import PatrolSMS
import PatrolStore
import Vapor

/// The admin's SMS page (SPEC §4): the provider in use (never its secrets), template previews with
/// length and segment count, the outbox with filters, each message's attempts and last error,
/// resend of failed messages, and a test send. The page is `SMSPage`; a provider change is
/// `SMSSettingsChange`.
struct SMSController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, .sms, access: .policy(.viewSMS), use: page)
        routes.endpoint(.GET, .api(.sms), access: .policy(.viewSMS), use: apiList)
        routes.endpoint(.POST, .smsMessage(.key, .resend), access: .policy(.viewSMS), use: resend)
        routes.endpoint(.POST, .smsTest, access: .policy(.viewSMS), use: testSend)
        routes.endpoint(.POST, .smsSettings, access: .policy(.viewSMS), use: saveSettings)
    }

    /// SMS length as carriers count it: 70 characters fit one message, longer ones go in 67-character segments.
    static func segments(_ text: String) -> Int {
        let n = text.count
        return n <= 70 ? 1 : (n + 66) / 67
    }

    func page(req: Request) async throws -> View {
        try await req.page("sms", title: req.t("sms.title"), content: try await SMSPage(req))
    }

    /// The page again with a refusal, answered as 422.
    func refused(_ req: Request, error: String, typed: [String: String]? = nil) async throws -> Response {
        let page = try await req.page("sms", title: req.t("sms.title"), content: try await SMSPage(req, error: error, typed: typed))
        let res = try await page.encodeResponse(for: req)
        res.status = .unprocessableEntity
        return res
    }

    func saveSettings(req: Request) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        do {
            try await SMSSettingsChange(db: req.db, audit: req.auditContext, environment: req.application.smsEnvironment).save(form)
        } catch let error as OptionError {
            return try await refused(req, error: req.t("error.sms.settings", ["detail": "\(error)"]), typed: form)
        }
        return req.seeOther(SiteURL.sms.path)
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
            return try await refused(req, error: req.t("error.phone.invalid", ["phone": form.phone ?? ""]))
        }
        let now = Date()
        try await req.db.transaction { db in
            try await SMSMessage(campaignID: nil, event: .test, dedupeKey: "test:\(UUID().uuidString)", phone: phone, now: now).create(on: db)
            try await AuditLog.append(on: db, req.auditContext, action: "sms.test", objectType: "sms", objectID: phone)
        }
        return req.seeOther(SiteURL.sms.path(query: [("event", "test")]))
    }

    /// The outbox for the API, oldest first so a client reads it to the end page by page (keyset),
    /// with the page's filters (status, event, q).
    func apiList(req: Request) async throws -> APIPage<SMSDTO> {
        let filter = try req.query.decode(SMSPage.Filter.self)
        let outbox = SMSMessage.outbox(status: filter.status.flatMap(SMSMessage.Status.init(rawValue:)), event: filter.event,
                                       unitName: nil, text: filter.q?.trimmingCharacters(in: .whitespaces), on: req.db)
        let (messages, next, total) = try await outbox.apiPage(try req.query.decode(PageRequest.self), by: \.$createdAt)
        return APIPage(items: messages.map {
            SMSDTO(id: $0.id, event: $0.event, phone: $0.phone, text: $0.body, status: $0.status.rawValue, attempts: $0.attempts,
                   createdAt: $0.createdAt, sentAt: $0.sentAt, lastError: $0.lastError)
        }, nextCursor: next, total: total)
    }
}
