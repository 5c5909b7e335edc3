import Foundation

/// One way of delivering SMS (SPEC §4). A provider turns a message into the HTTP request its
/// service expects and reads the service's answer; the worker does the I/O in between, so each
/// provider's bytes and verdicts are checked in tests without a network.
public protocol SMSProvider: Sendable {
    /// The name recorded with each message it sends, as in `PATROL_SMS_PROVIDER`.
    var name: String { get }

    /// The request that sends `message`, or nil when the provider sends nothing. `nonce` is fresh
    /// for every attempt, since Alibaba refuses a nonce it has seen; `now` stamps and signs the request.
    func request(for message: OutgoingSMS, nonce: String, now: Date) throws(SMSAccountError) -> SMSHTTPRequest?

    /// What the service's answer (HTTP status and body) says happened to the message.
    func outcome(status: Int, body: Data) -> SMSOutcome
}
