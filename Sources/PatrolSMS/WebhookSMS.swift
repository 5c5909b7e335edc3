import Foundation

/// Patrol's own webhook, for a 云MAS or provincial SMS gateway: the whole message posted as JSON
/// `{"id","event","phone","text","template","params"}`, signed with `WebhookSigner` (README).
public struct WebhookSMS: SMSProvider {
    public var account: SMSAccount

    public init(account: SMSAccount) { self.account = account }

    public var name: String { "webhook" }

    public func request(for message: OutgoingSMS, nonce: String, now: Date) throws(SMSAccountError) -> SMSHTTPRequest? {
        guard let endpoint = account.endpoint else { throw .noEndpoint }
        let document: [String: Any] = ["id": message.id, "event": message.event, "phone": message.phone, "text": message.text,
                                       "template": message.template, "params": message.params]
        let body = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data()
        let timestamp = Int(now.timeIntervalSince1970)
        return SMSHTTPRequest(method: "POST", url: endpoint, headers: [
            ("Content-Type", "application/json; charset=utf-8"), ("X-Patrol-Timestamp", String(timestamp)),
            ("X-Patrol-Signature", WebhookSigner.signature(secret: account.keySecret, timestamp: timestamp, body: body)),
        ], body: body)
    }

    /// A 2xx answer is delivery (its JSON `id`, if any, is the gateway's id); 5xx and 429 are retried; the rest fails.
    public func outcome(status: Int, body: Data) -> SMSOutcome {
        if (200..<300).contains(status) {
            let id = ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["id"] as? String
            return .sent(messageID: id)
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return status >= 500 || status == 429 ? .retryable(code: "HTTP\(status)", message: text)
            : .permanent(code: "HTTP\(status)", message: text)
    }
}
