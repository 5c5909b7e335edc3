import Foundation

/// Alibaba Cloud SendSms (dysmsapi 2017-05-25), RPC style, signed with `AliyunSigner`. Templates
/// take the message's parameters by name.
public struct AliyunSMS: SMSProvider {
    public static let defaultEndpoint = URL(string: "https://dysmsapi.aliyuncs.com/")!

    public var account: SMSAccount

    public init(account: SMSAccount) { self.account = account }

    public var name: String { "aliyun" }

    public func request(for message: OutgoingSMS, nonce: String, now: Date) throws(SMSAccountError) -> SMSHTTPRequest? {
        guard let template = account.templates[message.template] else {
            throw .noTemplate(provider: "Alibaba", template: message.template)
        }
        let time = ISO8601DateFormatter()
        time.formatOptions = [.withInternetDateTime]
        time.timeZone = TimeZone(identifier: "UTC")
        let templateParam = (try? JSONSerialization.data(withJSONObject: message.params, options: [.sortedKeys]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        var parameters = [
            "AccessKeyId": account.keyID, "Action": "SendSms", "Version": "2017-05-25", "Format": "JSON", "RegionId": account.region,
            "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureNonce": nonce,
            "Timestamp": time.string(from: now), "PhoneNumbers": message.phone, "SignName": account.signName,
            "TemplateCode": template, "TemplateParam": templateParam, "OutId": message.id,
        ]
        parameters["Signature"] = AliyunSigner.signature(method: "POST", parameters: parameters, secret: account.keySecret)
        return SMSHTTPRequest(method: "POST", url: account.endpoint ?? Self.defaultEndpoint,
                              headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                              body: Data(AliyunSigner.canonicalQuery(parameters).utf8))
    }

    static let retryableCodes: Set<String> = ["isp.SYSTEM_ERROR", "isv.BUSINESS_LIMIT_CONTROL", "ServiceUnavailable",
                                              "Throttling", "Throttling.User", "Throttling.Api", "InternalError"]

    /// `Code: "OK"` is success; throttling and system errors are retryable; the rest is permanent.
    public func outcome(status: Int, body: Data) -> SMSOutcome {
        let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let code = json?["Code"] as? String ?? "HTTP\(status)"
        let message = json?["Message"] as? String ?? String(decoding: body.prefix(200), as: UTF8.self)
        if (200..<300).contains(status), code == "OK" { return .sent(messageID: json?["BizId"] as? String) }
        if status >= 500 || status == 429 || Self.retryableCodes.contains(code) || code.hasPrefix("Throttling") {
            return .retryable(code: code, message: message)
        }
        return .permanent(code: code, message: message)
    }
}
