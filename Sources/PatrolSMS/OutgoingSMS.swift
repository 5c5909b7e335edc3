/// One message as a provider sends it: an outbox row with its text written and its template's
/// parameters by name.
public struct OutgoingSMS: Sendable, Equatable {
    /// The outbox row's id, handed to the services that report it back (Alibaba's `OutId`, the webhook's `id`).
    public var id: String
    /// What the message is about (`notice`, `reminder`, `returned`, `test`), for the webhook's receiver.
    public var event: String
    /// The template's name (`notice`, `reminder`, `returned`), whose id the account holds.
    public var template: String
    /// A mainland mobile number, 11 digits without the country code.
    public var phone: String
    public var text: String
    public var params: [String: String]

    public init(id: String, event: String, template: String, phone: String, text: String, params: [String: String]) {
        self.id = id; self.event = event; self.template = template; self.phone = phone; self.text = text; self.params = params
    }
}
