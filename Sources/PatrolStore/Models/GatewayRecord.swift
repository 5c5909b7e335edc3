import FluentKit
import Foundation

/// One request, tunnel or refused attempt seen by the supervision gateway (SPEC §6). Written in
/// batches by the gateway (`GatewayRecordRow`), read here by the records pages and API.
public final class GatewayRecord: Model, @unchecked Sendable {
    public static let schema = "gateway_records"

    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @OptionalParent(key: "campaign_id") public var campaign: Campaign?
    @OptionalParent(key: "team_id") public var team: Team?
    @OptionalParent(key: "user_id") public var user: User?
    /// The name the client presented, also when it was not a valid account.
    @OptionalField(key: "username") public var username: String?
    /// The tester's address and port as the gateway saw it.
    @Field(key: "client") public var client: String
    /// http, https (intercepted), tunnel (CONNECT not intercepted), socks, replay.
    @Field(key: "kind") public var kind: String
    @OptionalField(key: "method") public var method: String?
    @Field(key: "url") public var url: String
    @Field(key: "host") public var host: String
    @Field(key: "port") public var port: Int
    /// The address the gateway connected to (the one it checked).
    @OptionalField(key: "address") public var address: String?
    @OptionalField(key: "status") public var status: Int?
    @Field(key: "bytes_up") public var bytesUp: Int64
    @Field(key: "bytes_down") public var bytesDown: Int64
    @Field(key: "started_at") public var startedAt: Date
    @Field(key: "duration_ms") public var durationMs: Int
    /// allowed or denied.
    @Field(key: "decision") public var decision: String
    /// Why it was refused (or why an allowed exchange failed), as a stable code.
    @OptionalField(key: "reason") public var reason: String?
    /// Comma-separated alert codes (out of scope, rate, dangerous payload kinds).
    @OptionalField(key: "alerts") public var alerts: String?
    /// JSON array of [name, value] pairs.
    @OptionalField(key: "request_headers") public var requestHeaders: String?
    @OptionalField(key: "response_headers") public var responseHeaders: String?
    /// Deflate-compressed body prefix, up to the recording cap.
    @OptionalField(key: "request_body") public var requestBody: Data?
    @Field(key: "request_body_size") public var requestBodySize: Int
    @Field(key: "request_body_truncated") public var requestBodyTruncated: Bool
    @OptionalField(key: "response_body") public var responseBody: Data?
    @Field(key: "response_body_size") public var responseBodySize: Int
    @Field(key: "response_body_truncated") public var responseBodyTruncated: Bool
    /// The target's certificate (subject, issuer, expiry, fingerprint) when TLS was intercepted.
    @OptionalField(key: "tls") public var tls: String?
    @OptionalField(key: "replay_of") public var replayOf: Int?

    public init() {}

    public var alertList: [String] { (alerts ?? "").split(separator: ",").map(String.init) }

    public var headerPairs: (request: [[String]], response: [[String]]) {
        func decode(_ s: String?) -> [[String]] {
            guard let s, let data = s.data(using: .utf8) else { return [] }
            return (try? JSONDecoder().decode([[String]].self, from: data)) ?? []
        }
        return (decode(requestHeaders), decode(responseHeaders))
    }
}
