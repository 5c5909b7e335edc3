/// Why a message cannot be sent with the account as it is configured. Trying again would not
/// help; the admin completes the SMS settings and resends the message.
public enum SMSAccountError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The account has no template id for the message's template; `provider` names the service.
    case noTemplate(provider: String, template: String)
    /// The webhook provider has no address to post to.
    case noEndpoint

    public var description: String {
        switch self {
        case .noTemplate(let provider, let template): "no \(provider) template for \(template)"
        case .noEndpoint: "no webhook endpoint"
        }
    }
}
