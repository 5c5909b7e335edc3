import Foundation

/// The provider for trying Patrol out and for tests: nothing leaves the machine; the worker writes
/// each message to its log and counts it as sent.
public struct LogSMS: SMSProvider {
    public init() {}

    public var name: String { "log" }

    public func request(for message: OutgoingSMS, nonce: String, now: Date) -> SMSHTTPRequest? { nil }

    /// No request means no answer to read; were there one, the message was logged, which is all this provider does.
    public func outcome(status: Int, body: Data) -> SMSOutcome { .sent(messageID: nil) }
}
