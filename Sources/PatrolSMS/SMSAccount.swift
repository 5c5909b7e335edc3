import Foundation

/// Patrol's account at a provider: what the services ask for beyond the message itself. Each
/// provider reads the fields it needs and ignores the rest.
public struct SMSAccount: Sendable, Equatable {
    /// Alibaba AccessKeyId, Tencent SecretId.
    public var keyID: String
    /// Alibaba AccessKeySecret, Tencent SecretKey, the webhook's signing secret.
    public var keySecret: String
    /// The approved signature (签名) the services put in front of the text.
    public var signName: String
    /// Tencent's SmsSdkAppId.
    public var appID: String
    public var region: String
    /// Where to send instead of the service's own address (the webhook has no other).
    public var endpoint: URL?
    /// The approved template ids by template name (`notice`, `reminder`, `returned`).
    public var templates: [String: String]

    public init(keyID: String = "", keySecret: String = "", signName: String = "", appID: String = "", region: String = "",
                endpoint: URL? = nil, templates: [String: String] = [:]) {
        self.keyID = keyID; self.keySecret = keySecret; self.signName = signName; self.appID = appID; self.region = region
        self.endpoint = endpoint; self.templates = templates
    }
}
