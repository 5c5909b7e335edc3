import Foundation

/// Tencent Cloud SendSms (2021-01-11), signed with `TencentSigner`. Templates take the message's
/// parameters by position, in the order `SMSTemplate` gives.
public struct TencentSMS: SMSProvider {
    public static let defaultEndpoint = URL(string: "https://sms.tencentcloudapi.com/")!

    public var account: SMSAccount

    public init(account: SMSAccount) { self.account = account }

    public var name: String { "tencent" }

    public func request(for message: OutgoingSMS, nonce: String, now: Date) throws(SMSAccountError) -> SMSHTTPRequest? {
        guard let template = account.templates[message.template] else {
            throw .noTemplate(provider: "Tencent", template: message.template)
        }
        // A template Patrol does not know has no documented order; its parameters go by name, so always the same way.
        let positional = SMSTemplate(rawValue: message.template)?.positional(message.params)
            ?? message.params.sorted { $0.key < $1.key }.map(\.value)
        let object: [String: Any] = ["PhoneNumberSet": ["+86" + message.phone], "SmsSdkAppId": account.appID,
                                     "SignName": account.signName, "TemplateId": template,
                                     "TemplateParamSet": positional]
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        let endpoint = account.endpoint ?? Self.defaultEndpoint
        let host = endpoint.host.map { h in endpoint.port.map { "\(h):\($0)" } ?? h } ?? "sms.tencentcloudapi.com"
        let contentType = "application/json; charset=utf-8"
        let timestamp = Int(now.timeIntervalSince1970)
        let signed = TencentSigner.sign(secretID: account.keyID, secretKey: account.keySecret, service: "sms", host: host,
                                        contentType: contentType, body: body, timestamp: timestamp)
        return SMSHTTPRequest(method: "POST", url: endpoint, headers: [
            ("Authorization", signed.authorization), ("Content-Type", contentType), ("Host", host),
            ("X-TC-Action", "SendSms"), ("X-TC-Version", "2021-01-11"), ("X-TC-Timestamp", String(timestamp)),
            ("X-TC-Region", account.region),
        ], body: body)
    }

    /// Per-number status in `SendStatusSet` (`Code: "Ok"`); request errors in `Response.Error`.
    public func outcome(status: Int, body: Data) -> SMSOutcome {
        let response = ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["Response"] as? [String: Any]
        if let error = response?["Error"] as? [String: Any] {
            return Self.classify(error["Code"] as? String ?? "Error", error["Message"] as? String ?? "", status: status)
        }
        guard (200..<300).contains(status), let first = (response?["SendStatusSet"] as? [[String: Any]])?.first else {
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            return status >= 500 || status == 429 || status == 200 ? .retryable(code: "HTTP\(status)", message: text)
                : .permanent(code: "HTTP\(status)", message: text)
        }
        let code = first["Code"] as? String ?? ""
        if code == "Ok" { return .sent(messageID: first["SerialNo"] as? String) }
        return Self.classify(code, first["Message"] as? String ?? "", status: status)
    }

    static func classify(_ code: String, _ message: String, status: Int) -> SMSOutcome {
        let retryable = code.hasPrefix("InternalError") || code.hasPrefix("RequestLimitExceeded") || code.hasPrefix("LimitExceeded")
            || code == "FailedOperation.InsufficientBalanceInSmsPackage" || status >= 500
        return retryable ? .retryable(code: code, message: message) : .permanent(code: code, message: message)
    }
}
