import Vapor

/// Errors a user can act on. `key` names the message in the string tables, so the web shows it
/// in the reader's language; the API returns `{"error": {"code", "message"}}` with `status`.
public struct PatrolError: Error, Sendable {
    public var status: HTTPResponseStatus
    public var code: String
    public var key: String
    public var values: [String: String]
    /// Values that are themselves string-table keys (a status name), put into the message in the
    /// reader's language; services that know no language (`FindingLifecycle`) name them this way.
    public var valueKeys: [String: String] = [:]
    /// An English message for the API when the text is not from the tables (e.g. a bundle error).
    public var detail: String?

    public init(_ status: HTTPResponseStatus, code: String, key: String, values: [String: String] = [:], detail: String? = nil) {
        self.status = status
        self.code = code
        self.key = key
        self.values = values
        self.detail = detail
    }

    public static let unauthenticated = PatrolError(.unauthorized, code: "unauthenticated", key: "error.unauthenticated")
    public static let forbidden = PatrolError(.forbidden, code: "forbidden", key: "error.forbidden")
    public static let notFound = PatrolError(.notFound, code: "not_found", key: "error.notFound")
    public static let csrf = PatrolError(.forbidden, code: "csrf", key: "error.csrf")
    public static let passwordChangeRequired = PatrolError(.forbidden, code: "password_change_required", key: "error.passwordChangeRequired")

    public static func invalid(_ key: String, _ values: [String: String] = [:], keys: [String: String] = [:]) -> PatrolError {
        var error = PatrolError(.unprocessableEntity, code: "invalid", key: key, values: values)
        error.valueKeys = keys
        return error
    }

    public static func conflict(_ key: String, _ values: [String: String] = [:], keys: [String: String] = [:]) -> PatrolError {
        var error = PatrolError(.conflict, code: "conflict", key: key, values: values)
        error.valueKeys = keys
        return error
    }
}

extension PatrolError: CustomStringConvertible {
    /// The message in English, for the command line and logs.
    public func message(_ localizer: Localizer) -> String { detail ?? localizer.text(self, .en) }
    public var description: String { detail ?? "\(code): \(key) \(values)" }
}

extension Application {
    /// A `PatrolError` as a sentence, for the command line.
    public func describe(_ error: PatrolError) -> String { error.message(localizer) }
}
