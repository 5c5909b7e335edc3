import Foundation
import PatrolStore

/// Settings read from the environment; everything has a default so a fresh install runs.
public struct PatrolOptions: Sendable {
    public var database: DatabaseLocation
    public var dataDirectory: String
    /// Where `Resources/` and `Public/` are.
    public var resourceRoot: String
    /// Sessions end after this long without a request (等保: idle timeout).
    public var sessionIdleTimeout: TimeInterval
    /// Set the `Secure` flag on cookies (behind HTTPS).
    public var secureCookies: Bool
    public var bcryptCost: Int
    public var logMigrations: Bool
    /// Largest accepted upload (evidence, attachments), bytes. `PATROL_UPLOAD_MAX_MB`, default 20.
    public var uploadMaxBytes: Int = 20 * 1024 * 1024
    /// The office's zone, for times that belong to no campaign (accounts, audit log, SMS outbox);
    /// a campaign's own times are shown in the campaign's zone. `PATROL_TIME_ZONE`, default Asia/Shanghai.
    public var timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!
    /// A PEM file of CA certificates trusted besides the system's for the SMS provider's HTTPS
    /// (a private SMS gateway). `PATROL_SMS_CA_FILE`.
    public var smsCAFile: String?
    /// The address people reach Patrol at (`PATROL_PUBLIC_URL`, e.g. https://patrol.example.gov.cn),
    /// printed on notices and carried by SMS links; never the listen address. Nil: taken from the
    /// request's Host, which is right only when nothing sits in front.
    public var publicURL: String?
    /// A notice not signed for (签收) this long after it was issued is listed as overdue.
    /// `PATROL_NOTICE_SIGN_HOURS`, default 2.
    public var noticeSignHours: Double = 2

    public init(database: DatabaseLocation, dataDirectory: String = "patrol-data", resourceRoot: String? = nil,
                sessionIdleTimeout: TimeInterval = 30 * 60, secureCookies: Bool = false, bcryptCost: Int = 12,
                logMigrations: Bool = true) {
        self.database = database
        self.dataDirectory = dataDirectory
        self.resourceRoot = resourceRoot ?? Self.detectResourceRoot()
        self.sessionIdleTimeout = sessionIdleTimeout
        self.secureCookies = secureCookies
        self.bcryptCost = bcryptCost
        self.logMigrations = logMigrations
    }

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> PatrolOptions {
        var options = PatrolOptions(database: try DatabaseLocation.fromEnvironment(env))
        if let dir = env["PATROL_DATA_DIR"], !dir.isEmpty { options.dataDirectory = dir }
        if let root = env["PATROL_RESOURCES"], !root.isEmpty { options.resourceRoot = root }
        if let minutes = env["PATROL_SESSION_IDLE_MINUTES"].flatMap(Double.init), minutes > 0 {
            options.sessionIdleTimeout = minutes * 60
        }
        options.secureCookies = env["PATROL_SECURE_COOKIES"] == "1" || env["PATROL_SECURE_COOKIES"] == "true"
        if let text = env["PATROL_UPLOAD_MAX_MB"], !text.isEmpty {
            guard let mb = Int(text), (1...500).contains(mb) else {
                throw OptionError(description: "PATROL_UPLOAD_MAX_MB must be a whole number of megabytes from 1 to 500, not \"\(text)\"")
            }
            options.uploadMaxBytes = mb * 1024 * 1024
        }
        if let name = env["PATROL_TIME_ZONE"], !name.isEmpty {
            guard let zone = TimeZone(identifier: name) else {
                throw OptionError(description: "PATROL_TIME_ZONE must be an IANA time zone such as Asia/Shanghai, not \"\(name)\"")
            }
            options.timeZone = zone
        }
        if let file = env["PATROL_SMS_CA_FILE"], !file.isEmpty {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw OptionError(description: "PATROL_SMS_CA_FILE names \"\(file)\", which is not a readable file")
            }
            options.smsCAFile = file
        }
        if let text = env["PATROL_PUBLIC_URL"], !text.isEmpty {
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil,
                  url.query == nil, url.fragment == nil else {
                throw OptionError(description: "PATROL_PUBLIC_URL must be an http(s) address such as https://patrol.example.gov.cn, not \"\(text)\"")
            }
            options.publicURL = text.hasSuffix("/") ? String(text.dropLast()) : text
        }
        if let text = env["PATROL_NOTICE_SIGN_HOURS"], !text.isEmpty {
            guard let hours = Double(text), hours > 0, hours <= 240 else {
                throw OptionError(description: "PATROL_NOTICE_SIGN_HOURS must be a number of hours above 0 and at most 240, not \"\(text)\"")
            }
            options.noticeSignHours = hours
        }
        return options
    }

    /// The working directory when it holds `Resources/Views` (running from a checkout or an
    /// install directory), otherwise the source tree this binary was built from.
    static func detectResourceRoot() -> String {
        let cwd = FileManager.default.currentDirectoryPath
        if FileManager.default.fileExists(atPath: cwd + "/Resources/Views") { return cwd }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }
}

/// A setting in the environment that cannot be used, named.
public struct OptionError: Error, CustomStringConvertible {
    public var description: String
}
