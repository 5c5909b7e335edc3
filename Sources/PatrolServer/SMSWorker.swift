import Fluent
import Foundation
import NIOConcurrencyHelpers
import PatrolCore
import PatrolSMS
import PatrolStore
import Vapor

/// SMS provider settings from the environment (SPEC §4). Secrets are kept here only: never logged,
/// shown back or exported.
public struct SMSSettings: Sendable {
    public enum Provider: String, Sendable, CaseIterable { case log, aliyun, tencent, webhook }

    public var provider: Provider = .log
    public var endpoint: URL?
    public var keyID = ""
    public var keySecret = ""
    public var signName = ""
    public var appID = ""
    public var region = ""
    /// Provider template ids per event (`notice`, `reminder`, `returned`).
    public var templates: [String: String] = [:]
    /// Reminders go out this long before each remediation mark (`PATROL_SMS_REMINDER_LEAD_MINUTES`, default 120).
    public var reminderLead: TimeInterval = 2 * 3600
    /// At most one message per phone in this interval (`PATROL_SMS_PHONE_INTERVAL_SECONDS`, default 60),
    /// within the providers' per-number limits.
    public var phoneInterval: TimeInterval = 60
    /// How long to wait for a provider's answer before counting the attempt as a network failure.
    public var requestTimeout: Int64 = 15

    public init() {}

    public static func fromEnvironment(_ env: [String: String]) throws -> SMSSettings {
        var s = SMSSettings()
        if let p = env["PATROL_SMS_PROVIDER"], !p.isEmpty {
            guard let provider = Provider(rawValue: p) else {
                throw OptionError(description: "PATROL_SMS_PROVIDER must be one of log, aliyun, tencent, webhook, not \"\(p)\"")
            }
            s.provider = provider
        }
        if let e = env["PATROL_SMS_ENDPOINT"], !e.isEmpty {
            guard let url = URL(string: e), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw OptionError(description: "PATROL_SMS_ENDPOINT must be an http(s) URL, not \"\(e)\"")
            }
            s.endpoint = url
        }
        s.keyID = env["PATROL_SMS_KEY_ID"] ?? ""
        s.keySecret = env["PATROL_SMS_KEY_SECRET"] ?? ""
        s.signName = env["PATROL_SMS_SIGN_NAME"] ?? ""
        s.appID = env["PATROL_SMS_APP_ID"] ?? ""
        s.region = env["PATROL_SMS_REGION"] ?? (s.provider == .tencent ? "ap-guangzhou" : "cn-hangzhou")
        for template in SMSTemplate.allCases.map(\.rawValue) {
            if let t = env["PATROL_SMS_TEMPLATE_\(template.uppercased())"], !t.isEmpty { s.templates[template] = t }
        }
        if let text = env["PATROL_SMS_REMINDER_LEAD_MINUTES"], !text.isEmpty {
            guard let m = Int(text), (1...1440).contains(m) else {
                throw OptionError(description: "PATROL_SMS_REMINDER_LEAD_MINUTES must be 1–1440, not \"\(text)\"")
            }
            s.reminderLead = TimeInterval(m * 60)
        }
        if let text = env["PATROL_SMS_PHONE_INTERVAL_SECONDS"], !text.isEmpty {
            guard let n = Int(text), (0...86_400).contains(n) else {
                throw OptionError(description: "PATROL_SMS_PHONE_INTERVAL_SECONDS must be 0–86400, not \"\(text)\"")
            }
            s.phoneInterval = TimeInterval(n)
        }
        var missing: [String] = []
        switch s.provider {
        case .log: break
        case .aliyun, .tencent:
            if s.keyID.isEmpty { missing.append("PATROL_SMS_KEY_ID") }
            if s.keySecret.isEmpty { missing.append("PATROL_SMS_KEY_SECRET") }
            if s.signName.isEmpty { missing.append("PATROL_SMS_SIGN_NAME") }
            if s.provider == .tencent, s.appID.isEmpty { missing.append("PATROL_SMS_APP_ID") }
            if s.templates["notice"] == nil { missing.append("PATROL_SMS_TEMPLATE_NOTICE") }
        case .webhook:
            if s.endpoint == nil { missing.append("PATROL_SMS_ENDPOINT") }
            if s.keySecret.isEmpty { missing.append("PATROL_SMS_KEY_SECRET") }
        }
        guard missing.isEmpty else {
            throw OptionError(description: "PATROL_SMS_PROVIDER=\(s.provider.rawValue) needs " + missing.joined(separator: ", "))
        }
        return s
    }

    /// The settings in force: the environment overlaid with the admin's stored settings.
    public static func effective(environment: [String: String], on db: any Database) async throws -> SMSSettings {
        let stored = try await Setting.all(prefix: "PATROL_SMS_", on: db)
        return try fromEnvironment(environment.merging(stored) { $1 })
    }

    /// What the providers need of these settings; the lead, interval and timeout are the worker's.
    var account: SMSAccount {
        SMSAccount(keyID: keyID, keySecret: keySecret, signName: signName, appID: appID, region: region, endpoint: endpoint,
                   templates: templates)
    }

    /// The provider these settings choose, sending from their account.
    var providerClient: any SMSProvider {
        switch provider {
        case .log: LogSMS()
        case .aliyun: AliyunSMS(account: account)
        case .tencent: TencentSMS(account: account)
        case .webhook: WebhookSMS(account: account)
        }
    }
}

/// Sends claimed outbox messages through the configured provider and records each outcome.
/// `runOnce` is one pass; `SMSWorkerLifecycle` runs passes every few seconds while serving.
public struct SMSWorker: Sendable {
    /// Fixed settings (tests), or the environment overlaid with what the admin stored, read every pass.
    public var settings: SMSSettings
    var environment: [String: String]?
    public var policy = SMSOutbox.Policy()

    public init(settings: SMSSettings) { self.settings = settings }

    /// A worker that follows the admin's settings page: the environment's `PATROL_SMS_*` values,
    /// overridden by stored settings of the same name, resolved before every pass.
    public init(environment: [String: String]) throws {
        self.environment = environment
        self.settings = try SMSSettings.fromEnvironment(environment)
    }

    func resolved(_ app: Application) async -> SMSWorker {
        guard let environment else { return self }
        do {
            var copy = self
            copy.settings = try await SMSSettings.effective(environment: environment, on: app.db)
            return copy
        } catch {
            app.logger.error("sms settings: \(databaseErrorText(error)); using the environment's")
            return self
        }
    }

    /// Claims due messages and sends them; returns how many were claimed.
    @discardableResult
    public func runOnce(_ app: Application, now: Date = Date(), limit: Int = 20) async throws -> Int {
        if environment != nil { return try await resolved(app).fixedRunOnce(app, now: now, limit: limit) }
        return try await fixedRunOnce(app, now: now, limit: limit)
    }

    func fixedRunOnce(_ app: Application, now: Date, limit: Int) async throws -> Int {
        try await SMSReminders.enqueue(app, now: now, lead: settings.reminderLead)
        let messages = try await SMSOutbox.claim(limit: limit, now: now, policy: policy, on: app.db)
        // The per-phone rate limit: a message too soon after the last one to that phone waits.
        var sentNow = try await SMSOutbox.lastSent(to: Set(messages.map(\.phone)), since: now.addingTimeInterval(-settings.phoneInterval),
                                                   on: app.db)
        for message in messages {
            // Stopping: the messages not sent keep their claim's lease and are sent after it.
            if Task.isCancelled { break }
            if let last = sentNow[message.phone], settings.phoneInterval > 0, now.timeIntervalSince(last) < settings.phoneInterval {
                try await SMSOutbox.record(message, .postpone(until: last.addingTimeInterval(settings.phoneInterval)), now: now,
                                           policy: policy, on: app.db)
                continue
            }
            let result = await send(message, app: app, now: now)
            if case .sent = result { sentNow[message.phone] = now }
            try await SMSOutbox.record(message, result, now: now, policy: policy, on: app.db)
        }
        return messages.count
    }

    /// Sends one message and returns the provider's verdict, recording nothing.
    public func send(_ m: SMSMessage, app: Application, now: Date) async -> SMSOutbox.Result {
        let provider = settings.providerClient
        let params = (try? JSONDecoder().decode([String: String].self, from: Data(m.paramsJSON.utf8))) ?? [:]
        let message = OutgoingSMS(id: m.id?.uuidString ?? "", event: m.event, template: m.template, phone: m.phone, text: m.body,
                                  params: params)
        let request: SMSHTTPRequest?
        do { request = try provider.request(for: message, nonce: UUID().uuidString, now: now) } catch {
            return .fail(error: "\(error)")
        }
        guard let request else {
            let masked = String(m.phone.prefix(3)) + "****" + String(m.phone.suffix(4))
            app.logger.info("sms (\(provider.name) provider) \(m.event) to \(masked): \(m.body)")
            return .sent(provider: provider.name, messageID: nil)
        }
        return await exchange(request, app: app, provider: provider)
    }

    func exchange(_ r: SMSHTTPRequest, app: Application, provider: any SMSProvider) async -> SMSOutbox.Result {
        do {
            var headers = HTTPHeaders()
            for (name, value) in r.headers where name.lowercased() != "host" { headers.add(name: name, value: value) }
            let response = try await app.client.send(HTTPMethod(rawValue: r.method), headers: headers, to: URI(string: r.url.absoluteString)) {
                $0.body = ByteBuffer(data: r.body)
                $0.timeout = .seconds(settings.requestTimeout)
            }
            let data = response.body.map { Data(buffer: $0) } ?? Data()
            switch provider.outcome(status: Int(response.status.code), body: data) {
            case .sent(let id): return .sent(provider: provider.name, messageID: id)
            case .retryable(let code, let message): return .retry(error: "\(code): \(message)")
            case .permanent(let code, let message): return .fail(error: "\(code): \(message)")
            }
        } catch {
            // Network trouble (refused, reset, timeout) is worth another try.
            return .retry(error: "network: \(String("\(error)".prefix(200)))")
        }
    }
}

/// Runs the worker every few seconds while the server runs.
public struct SMSWorkerLifecycle: LifecycleHandler {
    let worker: SMSWorker
    let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    public init(worker: SMSWorker) { self.worker = worker }

    public func didBootAsync(_ app: Application) async throws {
        let worker = self.worker
        let t = Task {
            while !Task.isCancelled {
                do { try await worker.runOnce(app) } catch {
                    // A pass cut short by the stop is not an error: its messages stay queued.
                    if !Task.isCancelled { app.logger.error("sms worker: \(databaseErrorText(error))") }
                }
                try? await Task.sleep(for: .seconds(5))
            }
        }
        task.withLockedValue { $0 = t }
    }

    public func shutdownAsync(_ app: Application) async {
        let running = task.withLockedValue { t -> Task<Void, Never>? in defer { t = nil }; return t }
        running?.cancel()
        // A pass in flight ends before the database closes under it (which was logged as an error).
        await running?.value
    }
}
