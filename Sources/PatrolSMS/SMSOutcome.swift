/// What happened to one message at a provider.
public enum SMSOutcome: Sendable, Equatable {
    /// Accepted; the provider's id for it when it gives one.
    case sent(messageID: String?)
    /// Worth trying again later: network trouble, 5xx, throttling.
    case retryable(code: String, message: String)
    /// Will never succeed as it stands: bad number, template or signature not approved, bad credentials.
    case permanent(code: String, message: String)
}
